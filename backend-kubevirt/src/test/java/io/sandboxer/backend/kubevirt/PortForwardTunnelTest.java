package io.sandboxer.backend.kubevirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshException;
import io.sandboxer.core.ssh.SshOptions;
import io.sandboxer.core.ssh.SshSession;
import io.sandboxer.core.ssh.SshTarget;
import io.sandboxer.core.testing.Keys;
import io.sandboxer.core.testing.Poll;
import io.sandboxer.core.testing.TestSshServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The port-forward tunnel against a stand-in for KubeVirt's virt-api: a WebSocket endpoint at the portforward
 * subresource path that insists on subprotocol plain.kubevirt.io and pipes raw bytes to a real SSH server.
 */
class PortForwardTunnelTest {
    private static final String PATH = "/apis/subresources.kubevirt.io/v1/namespaces/ci/virtualmachineinstances/vm-1/portforward/22";
    @TempDir
    Path dir;
    private Vertx vertx;
    private HttpServer virtApi;
    private TestSshServer sshd;
    private KubernetesClient client;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(dir.resolve("sftp"));
        sshd = TestSshServer.start("runner", null, dir.resolve("sftp"), dir.resolve("hostkey"));
        sshd.authorize(Keys.load("openssh_ed25519").keyPair().getPublic());
        vertx = Vertx.vertx();
        virtApi = vertx.createHttpServer(new HttpServerOptions().addWebSocketSubProtocol(KubevirtNames.PORT_FORWARD_SUBPROTOCOL))
                .webSocketHandler(ws -> {
                    String subprotocol = ws.headers().get("Sec-WebSocket-Protocol"); // what the client asked for
                    requests.add(ws.path() + " " + subprotocol);
                    if (!PATH.equals(ws.path()) || !KubevirtNames.PORT_FORWARD_SUBPROTOCOL.equals(subprotocol)) {
                        ws.close((short) 1008, "wrong path or subprotocol");
                        return;
                    }
                    ws.pause();
                    vertx.createNetClient().connect(sshd.port(), "127.0.0.1").onSuccess(socket -> {
                        ws.binaryMessageHandler(socket::write);
                        socket.handler(ws::writeBinaryMessage);
                        ws.closeHandler(v -> socket.close());
                        socket.closeHandler(v -> ws.close());
                        ws.resume();
                    }).onFailure(e -> ws.close());
                })
                .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + virtApi.actualPort())
                .withNamespace("ci").build()).build();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        virtApi.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        sshd.close();
    }

    @Test
    void sshRunsThroughThePortForwardSubresource() throws Exception {
        SshPrivateKey key = Keys.load("openssh_ed25519");
        try (PortForwardTunnel tunnel = new PortForwardTunnel(client, "ci", "vm-1", 22)) {
            var target = new SshTarget("127.0.0.1", tunnel.localPort(), "runner", new Credential.PrivateKey(key), HostKeyPolicy.pinned(sshd.hostKey()));
            try (SshSession ssh = connectOrExplain(target)) {
                assertEquals("through the tunnel\n", ssh.execForText("echo through the tunnel"));
                // Enough data to span many WebSocket frames in both directions.
                assertEquals("1048576\n", ssh.execForText("head -c 1048576 /dev/zero | wc -c"));
            }
            // A second connection through the same tunnel gets its own WebSocket.
            try (SshSession again = SshSession.connect(target, SshOptions.DEFAULT)) {
                assertEquals("again\n", again.execForText("echo again"));
            }
        }
        assertEquals(List.of(PATH + " plain.kubevirt.io", PATH + " plain.kubevirt.io"), requests);
    }

    /**
     * The tunnel's threads are platform threads (a virtual thread's socket wait would leave the JDK's poller in native
     * code for good, which a stage's exit then waits on) and none is left once the tunnel is closed, even with a
     * connection still open.
     */
    @Test
    void theTunnelsThreadsArePlatformThreadsThatEndWithIt() throws Exception {
        PortForwardTunnel tunnel = new PortForwardTunnel(client, "ci", "vm-1", 22);
        SshSession open = connectOrExplain(new SshTarget("127.0.0.1", tunnel.localPort(), "runner",
                new Credential.PrivateKey(Keys.load("openssh_ed25519")), HostKeyPolicy.pinned(sshd.hostKey())));
        try {
            assertEquals("up\n", open.execForText("echo up"));
            int port = tunnel.localPort();
            assertEquals(2, threadsOf(port).size(), "the accept loop and the connection's bridge: " + threadsOf(port));
            tunnel.close();
            Poll.until("the tunnel's threads have ended", Duration.ofSeconds(10), () -> threadsOf(port).isEmpty());
        } finally {
            open.close();
        }
    }

    /** This tunnel's threads by their names (an earlier test's may still be ending). */
    private static List<String> threadsOf(int tunnelPort) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("portforward-") && n.endsWith("-" + tunnelPort)).toList();
    }

    private SshSession connectOrExplain(SshTarget target) {
        try {
            return SshSession.connect(target, SshOptions.DEFAULT);
        } catch (SshException e) {
            throw new AssertionError("virt-api saw: " + requests, e);
        }
    }

    @Test
    void aTunnelToTheWrongVmiEndsTheConnectionInsteadOfHanging() throws Exception {
        try (PortForwardTunnel tunnel = new PortForwardTunnel(client, "ci", "other-vm", 22)) {
            var target = new SshTarget("127.0.0.1", tunnel.localPort(), "runner", new Credential.PrivateKey(Keys.load("openssh_ed25519")),
                    HostKeyPolicy.insecure("test"));
            SshException e = assertThrows(SshException.class, () -> SshSession.connect(target, SshOptions.DEFAULT.withConnectTimeout(Duration.ofSeconds(5))));
            assertEquals(SshException.Kind.CONNECT, e.kind());
        }
        assertTrue(requests.get(0).contains("other-vm"));
    }
}
