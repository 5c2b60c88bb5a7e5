package io.sandboxer.backend.kubevirt;

import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.vertx.VertxHttpClientFactory;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP transport of a provider's own Kubernetes client: fabric8's Vert.x client on a Vert.x instance of ours, so
 * that closing waits until Vert.x's event-loop threads have ended. fabric8 closes the instance it makes itself without
 * waiting, and those threads then sit in {@code epoll_wait} while a driver stage's JVM exits: HotSpot's exit waits
 * ~300 ms for threads in native code, measured on every KubeVirt stage (prepare, cleanup, gc). The options are
 * fabric8's own (its {@code VertxHttpClientBuilder} of 7.8: no file caching or class-path resolving, daemon threads,
 * the JDK's DNS resolver).
 */
final class KubernetesHttp implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesHttp.class);
    private static final String DISABLE_DNS_RESOLVER = "vertx.disableDnsResolver";
    private static final long CLOSE_WAIT_SECONDS = 2;

    final Vertx vertx; // its test looks at the event loops after close

    private KubernetesHttp(Vertx vertx) {
        this.vertx = vertx;
    }

    static KubernetesHttp start() {
        VertxOptions options = new VertxOptions()
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false).setClassPathResolvingEnabled(false))
                .setUseDaemonThread(true);
        String before = System.getProperty(DISABLE_DNS_RESOLVER);
        System.setProperty(DISABLE_DNS_RESOLVER, "true"); // read once, while Vert.x starts
        try {
            return new KubernetesHttp(Vertx.vertx(options));
        } finally {
            if (before == null) {
                System.clearProperty(DISABLE_DNS_RESOLVER);
            } else {
                System.setProperty(DISABLE_DNS_RESOLVER, before);
            }
        }
    }

    /** The factory for {@code KubernetesClientBuilder.withHttpClientFactory}; the clients it makes leave the instance open. */
    HttpClient.Factory factory() {
        return new VertxHttpClientFactory(vertx);
    }

    /** Closes the instance and waits (at most 2 s) until its threads have ended; after the clients are closed. */
    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("Vert.x did not close cleanly: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
