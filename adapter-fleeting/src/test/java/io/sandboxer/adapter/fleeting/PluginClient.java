package io.sandboxer.adapter.fleeting;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.sandboxer.adapter.fleeting.goplugin.Empty;
import io.sandboxer.adapter.fleeting.goplugin.GRPCControllerGrpc;
import io.sandboxer.adapter.fleeting.protocol.InstanceGroupGrpc;
import java.util.concurrent.TimeUnit;

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
