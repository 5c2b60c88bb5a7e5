package io.sandboxer.backend.kubevirt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig file for a test API server (the fabric8 mock), as a user's would point at a cluster. */
public final class MockKubeconfig {
    private MockKubeconfig() {
    }

    public static Path write(String serverUrl, Path dir) throws IOException {
        Path file = dir.resolve("kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
                users: [{name: ci, user: {token: test-token}}]
                contexts: [{name: mock, context: {cluster: mock, user: ci, namespace: ci}}]
                current-context: mock
                """.formatted(serverUrl));
        return file;
    }
}
