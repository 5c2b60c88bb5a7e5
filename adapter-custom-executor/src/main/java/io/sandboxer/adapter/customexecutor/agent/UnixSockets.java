package io.sandboxer.adapter.customexecutor.agent;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** The Unix sockets of a job directory (the agent's, prepare's control socket), as clients see them. */
final class UnixSockets {
    private UnixSockets() {
    }

    /** A channel connected to {@code socket}; an IOException when nobody listens there. */
    static SocketChannel connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return channel;
    }
}
