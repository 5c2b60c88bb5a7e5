package io.sandboxer.backend.kubevirt;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.WebSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local TCP port on 127.0.0.1 that reaches a port of a VMI through KubeVirt's {@code portforward} subresource:
 * every accepted connection opens a WebSocket (subprotocol {@code plain.kubevirt.io}, raw bytes in binary frames)
 * through fabric8's HTTP client, so it reuses the client's authentication and TLS. This lets a runner outside
 * the cluster use SSH to the guest.
 *
 * <p>Its threads are platform threads that end with the tunnel, not virtual ones: a virtual thread's socket wait starts
 * the JDK's poller, a thread that then sits in {@code epoll_wait} for the life of the JVM, and HotSpot's exit waits
 * ~300 ms for threads in native code, at the end of every driver stage that used a tunnel.
 */
final class PortForwardTunnel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PortForwardTunnel.class);
    private final KubernetesClient client;
    private final URI target;
    private final ServerSocket server;
    private final String description;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();

    PortForwardTunnel(KubernetesClient client, String namespace, String vmi, int port) throws IOException {
        this.client = client;
        String base = client.getMasterUrl().toString();
        this.target = URI.create((base.endsWith("/") ? base : base + "/") + "apis/subresources.kubevirt.io/v1/namespaces/" + namespace
                + "/virtualmachineinstances/" + vmi + "/portforward/" + port);
        this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        this.description = "127.0.0.1:" + server.getLocalPort() + " -> " + namespace + "/" + vmi + ":" + port;
        Thread.ofPlatform().daemon().name("portforward-accept-" + vmi + "-" + server.getLocalPort()).start(this::acceptLoop);
        LOG.debug("port-forward tunnel {}", description);
    }

    int localPort() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.add(socket);
                Thread.ofPlatform().daemon().name("portforward-conn-" + server.getLocalPort()).start(() -> bridge(socket));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    LOG.warn("tunnel {} stopped accepting: {}", description, e.toString());
                }
                return;
            }
        }
    }

    private void bridge(Socket socket) {
        try (socket) {
            OutputStream toClient = socket.getOutputStream();
            WebSocket ws = client.getHttpClient().newWebSocketBuilder()
                    .uri(target)
                    .subprotocol(KubevirtNames.PORT_FORWARD_SUBPROTOCOL)
                    .connectTimeout(10, TimeUnit.SECONDS)
                    .buildAsync(new WebSocket.Listener() {
                        @Override
                        public void onMessage(WebSocket webSocket, ByteBuffer bytes) {
                            try {
                                byte[] chunk = new byte[bytes.remaining()];
                                bytes.get(chunk);
                                toClient.write(chunk);
                                toClient.flush();
                            } catch (IOException e) {
                                webSocket.sendClose(1000, "client gone");
                                closeQuietly(socket);
                            }
                            webSocket.request();
                        }

                        @Override
                        public void onOpen(WebSocket webSocket) {
                            webSocket.request(); // ask for the first frame; onMessage asks for each next one
                        }

                        @Override
                        public void onClose(WebSocket webSocket, int code, String reason) {
                            LOG.debug("tunnel {} closed by the server: {} {}", description, code, reason);
                            closeQuietly(socket);
                        }

                        @Override
                        public void onError(WebSocket webSocket, Throwable error) {
                            LOG.debug("tunnel {} error: {}", description, error.toString());
                            closeQuietly(socket);
                        }
                    }).get(15, TimeUnit.SECONDS);
            InputStream fromClient = socket.getInputStream();
            byte[] buffer = new byte[32 * 1024];
            int n;
            while ((n = fromClient.read(buffer)) >= 0) {
                ws.send(ByteBuffer.wrap(Arrays.copyOf(buffer, n)));
            }
            ws.sendClose(1000, "done");
        } catch (Exception e) {
            LOG.debug("tunnel {} connection ended: {}", description, e.toString());
        } finally {
            connections.remove(socket);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /** Stops accepting and ends the connections still open, so that none of its threads outlives it. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        connections.forEach(PortForwardTunnel::closeQuietly);
    }
}
