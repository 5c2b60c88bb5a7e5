package io.sandboxer.adapter.fleeting;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.sandboxer.adapter.fleeting.goplugin.Empty;
import io.sandboxer.adapter.fleeting.goplugin.GRPCControllerGrpc;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The go-plugin server side: gRPC on 127.0.0.1 at the first free port of the host's range (TLS with a required
 * client certificate under AutoMTLS), {@code grpc.health.v1.Health} with service {@code plugin} SERVING,
 * {@code plugin.GRPCController/Shutdown}, and the handshake line as the first and only line on stdout.
 */
final class GoPluginServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GoPluginServer.class);
    private final Server server;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final String handshakeLine;

    private GoPluginServer(Server server, String handshakeLine) {
        this.server = server;
        this.handshakeLine = handshakeLine;
    }

    static GoPluginServer start(Handshake handshake, BindableService instanceGroup, PrintStream stdout, Runnable beforeExit) {
        return start(handshake, instanceGroup, stdout, beforeExit, null);
    }

    /** With {@code capture} set, every call is also recorded, and unknown methods are accepted and recorded. */
    static GoPluginServer start(Handshake handshake, BindableService instanceGroup, PrintStream stdout, Runnable beforeExit, CaptureLog capture) {
        AutoMtls tls = handshake.clientCertificatePem().map(AutoMtls::forHostCertificate).orElse(null);
        HealthStatusManager health = new HealthStatusManager();
        health.setStatus("plugin", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        GoPluginServer[] self = new GoPluginServer[1];
        BindableService controller = new GRPCControllerGrpc.GRPCControllerImplBase() {
            @Override
            public void shutdown(Empty request, StreamObserver<Empty> response) {
                LOG.info("the host asked the plugin to shut down");
                response.onNext(Empty.getDefaultInstance());
                response.onCompleted();
                Thread.ofPlatform().name("plugin-shutdown").start(() -> {
                    beforeExit.run();
                    self[0].close();
                });
            }
        };
        for (int port = handshake.minPort(); port <= handshake.maxPort(); port++) {
            NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                    .maxInboundMessageSize(Integer.MAX_VALUE)
                    .addService(capture == null ? instanceGroup.bindService()
                            : io.grpc.ServerInterceptors.intercept(instanceGroup, CaptureInterceptors.knownMethods(capture)))
                    .addService(health.getHealthService())
                    .addService(controller);
            if (capture != null) {
                builder.fallbackHandlerRegistry(CaptureInterceptors.unknownMethods(capture));
            }
            if (tls != null) {
                builder.sslContext(tls.serverContext());
            }
            Server server = builder.build();
            try {
                server.start();
            } catch (IOException e) {
                if (isPortTaken(e)) {
                    continue; // another plugin process has it: try the next port, as go-plugin's servers do
                }
                throw new PluginStartException("cannot start the gRPC server on port " + port + ": " + e.getMessage(), e);
            }
            String line = handshake.line(port, tls == null ? "" : tls.handshakeCertificate());
            self[0] = new GoPluginServer(server, line);
            stdout.println(line);
            stdout.flush();
            LOG.info("serving on 127.0.0.1:{} (app protocol {}, {})", port, handshake.appVersion(), tls == null ? "plaintext" : "AutoMTLS");
            return self[0];
        }
        throw new PluginStartException("no free port between PLUGIN_MIN_PORT " + handshake.minPort() + " and PLUGIN_MAX_PORT " + handshake.maxPort());
    }

    private static boolean isPortTaken(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
                return true;
            }
        }
        return false;
    }

    String handshakeLine() {
        return handshakeLine;
    }

    int port() {
        return server.getPort();
    }

    void awaitStop() throws InterruptedException {
        stopped.await();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.shutdownNow();
        }
        stopped.countDown();
    }
}
