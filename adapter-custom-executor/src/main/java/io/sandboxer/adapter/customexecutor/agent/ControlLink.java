package io.sandboxer.adapter.customexecutor.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The line link between {@code prepare} and the agent it starts, over the job directory's control socket (prepare
 * binds it, the agent connects): prepare says "go" and "up", the agent says "ready". A socket rather than the agent's
 * standard streams because the agent is not prepare's child (see {@link Detached}), and the JDK stops reading a
 * process's pipes once that process has exited. Its end is a signal too: the agent stops when prepare goes away
 * before it was ready.
 */
public final class ControlLink implements AutoCloseable {
    private final SocketChannel channel;
    private final BufferedReader in;

    ControlLink(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.US_ASCII));
    }

    /** The agent's side: connects to {@code socket}; an IOException means prepare is gone. */
    public static ControlLink connect(Path socket) throws IOException {
        return new ControlLink(UnixSockets.connect(socket));
    }

    /** The next line, or null when the other side has closed the link. */
    public String readLine() throws IOException {
        return in.readLine();
    }

    /** Sends one line; false when the other side is gone. Safe from any thread. */
    public boolean say(String line) {
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.US_ASCII));
        synchronized (channel) {
            try {
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    /** True when the peer runs as the owner of {@code dir} (the job directory): anyone else's connection is refused. */
    boolean peerOwns(Path dir) {
        try {
            return UnixSockets.peerUser(channel).equals(Files.getOwner(dir).getName());
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
