package io.sandboxer.adapter.fleeting;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sandboxer.adapter.fleeting.goplugin.Empty;
import io.sandboxer.adapter.fleeting.goplugin.GRPCControllerGrpc;
import io.sandboxer.adapter.fleeting.protocol.ConnectorConfig;
import io.sandboxer.adapter.fleeting.protocol.InstanceGroupGrpc;
import io.sandboxer.adapter.fleeting.protocol.Settings;
import io.sandboxer.adapter.fleeting.protocol.UpdateResponse;
import java.util.List;
import java.util.Spliterators;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

/** A gRPC client of the plugin, as go-plugin's host and the runner use it, for tests. */
final class PluginClient implements AutoCloseable {
    final ManagedChannel channel;
    final InstanceGroupGrpc.InstanceGroupBlockingStub group;

    PluginClient(ManagedChannel channel) {
        this.channel = channel;
        this.group = InstanceGroupGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static PluginClient plaintext(String handshakeLine) {
        return new PluginClient(NettyChannelBuilder.forTarget(address(handshakeLine)).usePlaintext().build());
    }

    static String address(String handshakeLine) {
        return handshakeLine.split("\\|")[3];
    }

    /** Update streams one message per instance; the end of the stream is the end of the list. */
    List<UpdateResponse> update() {
        var stream = group.update(io.sandboxer.adapter.fleeting.protocol.Empty.getDefaultInstance());
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(stream, 0), false).toList();
    }

    /** Init's settings: the runner's connector_config. */
    static Settings settings(ConnectorConfig.Builder connector) {
        return Settings.newBuilder().setConnectorConfig(connector).build();
    }

    HealthCheckResponse.ServingStatus health(String service) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }

    void shutdownPlugin() {
        GRPCControllerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).shutdown(Empty.getDefaultInstance());
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
