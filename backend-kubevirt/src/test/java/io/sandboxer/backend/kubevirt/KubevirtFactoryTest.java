package io.sandboxer.backend.kubevirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviders;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backend found by name through ServiceLoader, connecting with a kubeconfig file like a user's. */
@EnableKubernetesMockClient(crud = true)
class KubevirtFactoryTest {
    KubernetesMockServer server;
    KubernetesClient client;
    @TempDir
    Path dir;

    private Path kubeconfig(String url) throws Exception {
        return MockKubeconfig.write(url, dir);
    }

    @Test
    void foundByNameAndConnectedThroughAKubeconfig() throws Exception {
        var json = new ObjectMapper().createObjectNode().put("kubeconfig", kubeconfig(client.getMasterUrl().toString()).toString())
                .put("namespace", "ci").put("image", "quay.io/containerdisks/debian:12");
        try (SandboxProvider provider = SandboxProviders.create("kubevirt", json, "plugin_config")) {
            assertEquals(List.of(), provider.list());
        }
    }

    /** A port nobody listens on (it was free a moment ago). */
    private static int closedPort() throws Exception {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void anUnreachableClusterFailsFastAndClearly() throws Exception {
        int port = closedPort();
        var json = new ObjectMapper().createObjectNode().put("kubeconfig", kubeconfig("https://127.0.0.1:" + port).toString());
        SandboxException e = assertThrows(SandboxException.class, () -> SandboxProviders.create("kubevirt", json, "plugin_config"));
        assertTrue(e.getMessage().startsWith("cannot reach the Kubernetes API at https://127.0.0.1:" + port + "/ (listing VirtualMachineInstances): "),
                e.getMessage());
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("connection refused"), "the cause: " + e.getMessage());
        assertFalse(e.getMessage().matches(".*\\b(java|io\\.fabric8|okhttp3?)\\.[a-z]+\\..*"), "no class names: " + e.getMessage());
    }

    @Test
    void aServerWhoseNameDoesNotResolveIsNamedWithTheCause() throws Exception {
        var json = new ObjectMapper().createObjectNode().put("kubeconfig", kubeconfig("https://api.sandboxer-test.invalid:6443").toString());
        SandboxException e = assertThrows(SandboxException.class, () -> SandboxProviders.create("kubevirt", json, "plugin_config"));
        assertTrue(e.getMessage().startsWith("cannot reach the Kubernetes API at https://api.sandboxer-test.invalid:6443/"), e.getMessage());
        assertTrue(e.getMessage().contains("does not resolve") || e.getMessage().contains("not known"), "the cause: " + e.getMessage());
    }

}
