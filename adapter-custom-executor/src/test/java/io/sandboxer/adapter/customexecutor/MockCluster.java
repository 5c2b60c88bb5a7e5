package io.sandboxer.adapter.customexecutor;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Settings files that point the driver at the fabric8 mock server, as a runner's --config would. */
final class MockCluster {
    private MockCluster() {
    }

    static Path config(KubernetesClient client, Path dir) throws IOException {
        Path kubeconfig = io.sandboxer.backend.kubevirt.MockKubeconfig.write(client.getMasterUrl().toString(), dir);
        Path config = dir.resolve("sandboxer.json");
        Files.writeString(config, "{\"provider\": \"kubevirt\", \"kubeconfig\": \"" + kubeconfig + "\", \"namespace\": \"ci\", \"access\": \"pod-ip\", "
                + "\"image\": \"quay.io/containerdisks/debian:12\"}");
        return config;
    }

    static String name(String jobId) {
        return JobIdentity.from(new RunnerEnvironment(Map.of("CUSTOM_ENV_CI_JOB_ID", jobId, "CUSTOM_ENV_CI_RUNNER_ID", "7",
                "CUSTOM_ENV_CI_PROJECT_ID", "42", "CUSTOM_ENV_CI_CONCURRENT_PROJECT_ID", "0"))).sandboxName("sandboxer");
    }

    static int freePort() throws IOException {
        try (var socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
