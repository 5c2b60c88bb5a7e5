package io.sandboxer.adapter.customexecutor.agent;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import jdk.net.ExtendedSocketOptions;

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

    /** The user on the other end of a connected Unix socket, as the kernel reports it ({@code SO_PEERCRED}). */
    static String peerUser(SocketChannel channel) throws IOException {
        return channel.getOption(ExtendedSocketOptions.SO_PEERCRED).user().getName();
    }
}
