package io.sandboxer.adapter.fleeting;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.sandboxer.adapter.fleeting.goplugin.GRPCControllerGrpc;
import io.sandboxer.adapter.fleeting.protocol.ConnectInfoRequest;
import io.sandboxer.adapter.fleeting.protocol.ConnectorConfig;
import io.sandboxer.adapter.fleeting.protocol.DecreaseRequest;
import io.sandboxer.adapter.fleeting.protocol.Empty;
import io.sandboxer.adapter.fleeting.protocol.IncreaseRequest;
import io.sandboxer.adapter.fleeting.protocol.InitRequest;
import io.sandboxer.adapter.fleeting.protocol.InstanceGroupGrpc;
import io.sandboxer.adapter.fleeting.protocol.Settings;
import io.sandboxer.adapter.fleeting.protocol.UpdateResponse;
import io.sandboxer.core.training.TrainingBackend;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AOT cache's training run ({@code fleeting-plugin-* aot-training}, run by the build's {@code make-aot-cache},
 * never by the runner): the plugin serves exactly as under GitLab Runner, and a client in the same JVM plays the
 * runner's part over AutoMTLS: health check, Init, Increase, Update, ConnectInfo, Decrease, Shutdown, on libvirt's
 * test driver (an in-memory hypervisor: nothing is booted, no SSH probe leaves port 1 of loopback addresses). The
 * JVM then holds the classes a real start and first calls load, and the cache made from it starts the next plugin
 * with them already linked. A step that fails is reported and skipped: a thinner cache costs start-up time only.
 */
final class AotTraining {
    private static final Logger LOG = LoggerFactory.getLogger(AotTraining.class);
    /** A port nothing listens on, so the readiness probes of the test driver's instances fail at once. */
    private static final int CLOSED_PORT = 1;

    private AotTraining() {
    }

    /** The training run; always 0 (a thinner cache is no failure), its shortfalls logged. */
    static int run(String backend, BuildInfo build) {
        List<String> failed = runSteps(backend, build);
        if (!failed.isEmpty()) {
            LOG.warn("training: {} did not complete; the cache holds less of a real start", failed);
        }
        return 0;
    }

    /** Every step of the training in a scratch directory removed afterwards; the names of those that failed. */
    static List<String> runSteps(String backend, BuildInfo build) {
        List<String> failed = new ArrayList<>();
        try {
            Optional<TrainingBackend> training = TrainingBackend.create();
            if (training.isEmpty()) {
                failed.add("start: no backend on the class path ships training settings");
                return failed;
            }
            try (TrainingBackend scratch = training.get()) {
                train(scratch, backend, build, failed);
            }
        } catch (Exception e) {
            LOG.warn("the training run stopped early: {}", e.toString());
            failed.add("start: " + e);
        }
        return failed;
    }

    private static void train(TrainingBackend scratch, String backend, BuildInfo build, List<String> failed) throws Exception {
        KeyPair hostKey = AutoMtls.newKeyPair();
        X509Certificate hostCertificate = AutoMtls.selfSigned(hostKey);
        String hostPem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(hostCertificate.getEncoded()) + "\n-----END CERTIFICATE-----\n";
        InstanceGroupService service = new InstanceGroupService(backend, FleetingPlugin::sshProbe, build);
        ByteArrayOutputStream handshake = new ByteArrayOutputStream();
        GoPluginServer server = GoPluginServer.start(Handshake.fromEnvironment(Map.of("PLUGIN_CLIENT_CERT", hostPem)), service,
                new PrintStream(handshake, true, StandardCharsets.US_ASCII), service::closeQuietly);
        String[] line = handshake.toString(StandardCharsets.US_ASCII).strip().split("\\|");
        X509Certificate pluginCertificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(line[5])));
        ManagedChannel channel = NettyChannelBuilder.forTarget(line[3]).overrideAuthority("localhost")
                .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient().keyManager(hostKey.getPrivate(), hostCertificate),
                        SslProvider.JDK).trustManager(pluginCertificate).build())
                .build();
        try {
            step(failed, "health", () -> HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.newBuilder().setService("plugin").build()));
            InstanceGroupGrpc.InstanceGroupBlockingStub group = InstanceGroupGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES);
            String config = scratch.settings();
            step(failed, "Init", () -> group.init(InitRequest.newBuilder().setConfig(ByteString.copyFromUtf8(config))
                    .setSettings(Settings.newBuilder().setConnectorConfig(ConnectorConfig.newBuilder().setUsername("core")
                            .setProtocolPort(CLOSED_PORT).setTimeout(1_000_000_000L))).build()));
            step(failed, "Increase", () -> group.increase(IncreaseRequest.newBuilder().setN(2).build()));
            List<String> instances = new ArrayList<>();
            step(failed, "Update", () -> {
                group.update(Empty.getDefaultInstance()).forEachRemaining((UpdateResponse u) -> instances.add(u.getInstance()));
                return instances;
            });
            if (!instances.isEmpty()) {
                step(failed, "ConnectInfo", () -> group.connectInfo(ConnectInfoRequest.newBuilder().setInstance(instances.getFirst()).build()));
                step(failed, "Decrease", () -> group.decrease(DecreaseRequest.newBuilder().addAllInstances(instances).build()));
                step(failed, "Update after Decrease", () -> {
                    group.update(Empty.getDefaultInstance()).forEachRemaining(u -> { });
                    return null;
                });
            }
            step(failed, "Shutdown", () -> group.shutdown(Empty.getDefaultInstance()));
            step(failed, "GRPCController.Shutdown", () -> GRPCControllerGrpc.newBlockingStub(channel)
                    .shutdown(io.sandboxer.adapter.fleeting.goplugin.Empty.getDefaultInstance()));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            service.closeQuietly();
            server.close();
        }
    }

    private static void step(List<String> failed, String name, Supplier<?> call) {
        try {
            call.get();
            LOG.info("training: {} done", name);
        } catch (RuntimeException e) {
            LOG.warn("training: {} failed: {}", name, e.getMessage());
            failed.add(name);
        }
    }
}
