package io.sandboxer.adapter.customexecutor;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.sandboxer.backend.kubevirt.MockKubeconfig;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Settings files that point the driver at the fabric8 mock server, as a runner's --config would. */
final class MockCluster {
    private MockCluster() {
    }

    static Path config(KubernetesClient client, Path dir) throws IOException {
        return config(client.getMasterUrl().toString(), dir);
    }

    /** The same settings for an API server nobody runs: any call through them fails. */
    static Path unreachableConfig(Path dir) throws IOException {
        return config("https://127.0.0.1:" + freePort(), Files.createDirectories(dir.resolve("unreachable")));
    }

    private static Path config(String apiServer, Path dir) throws IOException {
        Path kubeconfig = MockKubeconfig.write(apiServer, dir);
        Path config = dir.resolve("sandboxer.json");
        Files.writeString(config, "{\"provider\": \"kubevirt\", \"kubeconfig\": \"" + kubeconfig + "\", \"namespace\": \"ci\", \"access\": \"pod-ip\", "
                + "\"image\": \"quay.io/containerdisks/debian:12\"}");
        return config;
    }

    static String name(String jobId) {
        return new JobIdentity("", "42", jobId).sandboxName("sandboxer"); // what RunnerEmulator's job response says
    }

    static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
