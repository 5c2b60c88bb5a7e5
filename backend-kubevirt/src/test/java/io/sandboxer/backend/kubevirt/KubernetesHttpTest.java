package io.sandboxer.backend.kubevirt;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vertx.core.impl.VertxInternal;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * A driver stage's JVM exits right after closing its provider, and HotSpot's exit waits ~300 ms for threads in native
 * code, which Vert.x's event loops are until they have stopped: closing the transport returns only once they have.
 */
class KubernetesHttpTest {

    @Test
    void closingReturnsOnceTheEventLoopsHaveStopped() throws Exception {
        int closedPort;
        try (var socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        KubernetesHttp http = KubernetesHttp.start();
        var config = new ConfigBuilder().withMasterUrl("https://127.0.0.1:" + closedPort).withRequestRetryBackoffLimit(0).build();
        try (KubernetesClient client = new KubernetesClientBuilder().withHttpClientFactory(http.factory()).withConfig(config).build()) {
            assertThrows(KubernetesClientException.class, () -> client.namespaces().list()); // the event loops have run
        }
        http.close();
        VertxInternal vertx = (VertxInternal) http.vertx;
        assertTrue(vertx.getEventLoopGroup().isTerminated(), "the event loops have stopped when close returns");
        assertTrue(vertx.getAcceptorEventLoopGroup().isTerminated(), "the acceptor loop has stopped when close returns");
    }
}
