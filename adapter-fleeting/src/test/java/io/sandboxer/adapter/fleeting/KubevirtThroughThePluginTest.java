package io.sandboxer.adapter.fleeting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.sandboxer.adapter.fleeting.protocol.ConnectorConfig;
import io.sandboxer.adapter.fleeting.protocol.DecreaseRequest;
import io.sandboxer.adapter.fleeting.protocol.IncreaseRequest;
import io.sandboxer.adapter.fleeting.protocol.InitRequest;
import io.sandboxer.adapter.fleeting.protocol.UpdateResponse.State;
import io.sandboxer.adapter.fleeting.protocol.UpdateResponse;
import io.sandboxer.backend.kubevirt.MockKubeconfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same InstanceGroup service on the KubeVirt backend, against the fabric8 mock server. */
@EnableKubernetesMockClient(crud = true)
class KubevirtThroughThePluginTest {
    KubernetesMockServer server;
    KubernetesClient client;
    @TempDir
    Path dir;

    @Test
    void initIncreaseUpdateDecreaseOnKubevirt() throws Exception {
        Path kubeconfig = MockKubeconfig.write(client.getMasterUrl().toString(), dir);
        InstanceGroupService service = new InstanceGroupService("kubevirt", c -> info -> true, BuildInfo.load("t"));
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        try (GoPluginServer plugin = GoPluginServer.start(Handshake.fromEnvironment(Map.of("PLUGIN_MIN_PORT", "20000", "PLUGIN_MAX_PORT", "25000")),
                service, new PrintStream(stdout, true, StandardCharsets.UTF_8), service::closeQuietly);
                PluginClient grpc = PluginClient.plaintext(stdout.toString(StandardCharsets.UTF_8).strip())) {
            var init = grpc.group.init(InitRequest.newBuilder().setConfig(ByteString.copyFromUtf8("""
                    {"kubeconfig": "%s", "namespace": "ci", "image": "quay.io/containerdisks/debian:12", "access": "pod-ip",
                     "max_size": 2, "name_prefix": "ci-runner"}""".formatted(kubeconfig)))
                    .setSettings(PluginClient.settings(ConnectorConfig.newBuilder().setUsername("runner"))).build());
            assertEquals("sandboxer/kubevirt/ci-runner", init.getId());
            assertEquals(2, grpc.group.increase(IncreaseRequest.newBuilder().setN(2).build()).getSucceeded());
            List<UpdateResponse> instances = grpc.update();
            assertEquals(2, instances.size());
            instances.forEach(i -> assertEquals(State.creating, i.getState(), "no virt-controller here: VMIs never get ready"));
            assertTrue(instances.get(0).getInstance().startsWith("ci-runner-"), instances.get(0).getInstance());
            var decreased = grpc.group.decrease(DecreaseRequest.newBuilder().addAllInstances(instances.stream().map(UpdateResponse::getInstance).toList()).build());
            assertEquals(2, decreased.getSucceededCount());
            assertEquals(0, client.secrets().inNamespace("ci").list().getItems().size(), "Secrets removed with the VMIs");
        }
    }
}
