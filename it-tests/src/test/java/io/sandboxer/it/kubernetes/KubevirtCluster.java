package io.sandboxer.it.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.sandboxer.core.testing.Poll;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Everything a KubeVirt end-to-end test stands on: the real control plane, one namespace holding the documented
 * ServiceAccount, Role and RoleBinding, a kubeconfig with that ServiceAccount's token (what the backend gets), and the
 * virt-handler stand-in booting real guests on the local libvirtd for the VMIs of that namespace.
 */
public final class KubevirtCluster implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
    /** The one containerDisk the stand-in can "pull": it boots the Debian test image for it. */
    public static final String IMAGE = "registry.example/sandboxer/debian:12";

    /** The backend's name for a sandbox's Secret (cloud-init user data and credentials). */
    public static String secretOf(String sandbox) {
        return sandbox + "-bootstrap";
    }

    private final String namespace;
    private Path dir;
    private LibvirtHost host;
    private ControlPlane plane;
    private Path serviceAccountKubeconfig;
    private Process standIn;
    private Path standInLog;

    /** A cluster for one test class ({@code @RegisterExtension static}), started before its first test, gone after its last. */
    public KubevirtCluster(String namespace) {
        this.namespace = namespace;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("sandboxer-kubevirt-");
        host = LibvirtHost.prepare();
        plane = ControlPlane.start(dir.resolve("control-plane"));
        plane.namespaceWithDocumentedRbac(namespace);
        serviceAccountKubeconfig = plane.serviceAccountKubeconfig(namespace);
        standInLog = dir.resolve("virt-handler-stand-in.log");
        standIn = VirtHandlerStandIn.launch(plane.adminKubeconfig(namespace), namespace, IMAGE, host, standInLog);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** A directory for the test's own files, removed with the cluster. */
    public Path dir() {
        return dir;
    }

    public LibvirtHost host() {
        return host;
    }

    public ControlPlane plane() {
        return plane;
    }

    public String namespace() {
        return namespace;
    }

    /** The kubeconfig the backend under test gets: the documented ServiceAccount's token, nothing more. */
    public Path serviceAccountKubeconfig() {
        return serviceAccountKubeconfig;
    }

    /** The backend's settings ({@code plugin_config} / {@code --config} JSON) for {@code group}, reaching guests by their IP. */
    public ObjectNode settings(String group) {
        return new ObjectMapper().createObjectNode().put("provider", "kubevirt").put("kubeconfig", serviceAccountKubeconfig.toString())
                .put("namespace", namespace).put("image", IMAGE).put("access", "pod-ip").put("name_prefix", group)
                .put("memory_request", "1Gi").put("memory_limit", "1Gi").put("ready_timeout", "12m");
    }

    /** The VMIs of the namespace (as the API server holds them, read as admin). */
    public List<GenericKubernetesResource> vmis() {
        return plane.admin().genericKubernetesResources("kubevirt.io/v1", "VirtualMachineInstance").inNamespace(namespace).list().getItems();
    }

    public List<Secret> secrets() {
        return plane.admin().secrets().inNamespace(namespace).list().getItems().stream()
                .filter(s -> s.getMetadata().getLabels() != null && s.getMetadata().getLabels().containsKey("sandboxer.io/group")).toList();
    }

    /** Waits until no VMI and no sandbox Secret of {@code nameFragment} remain, nor a guest of it on libvirt. */
    public void awaitNothingLeft(String nameFragment, Duration limit) {
        Poll.until("no VMI, Secret or guest of " + nameFragment + " to remain (stand-in log: " + standInLog + ")", limit,
                () -> vmis().stream().noneMatch(v -> v.getMetadata().getName().contains(nameFragment))
                        && secrets().stream().noneMatch(s -> s.getMetadata().getName().contains(nameFragment))
                        && host.leftovers(VirtHandlerStandIn.DOMAIN_PREFIX + namespace + "-" + nameFragment).isEmpty());
    }

    /** The stand-in's log, for a failure message. */
    public String standInLog() {
        try {
            return Files.readString(standInLog);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (plane == null) {
            if (dir != null) {
                LibvirtHost.run("rm", "-rf", dir.toString()); // it never started: only its files
            }
            return;
        }
        try {
            // The stand-in first removes what it booted (it releases each VMI's finalizer only after its guest is gone).
            for (GenericKubernetesResource vmi : vmis()) {
                plane.admin().resource(vmi).delete();
            }
            Poll.until("the stand-in to remove the remaining guests", Duration.ofMinutes(2), () -> vmis().isEmpty());
        } catch (RuntimeException e) {
            System.err.println("cleaning up the VMIs failed: " + e.getMessage());
        } finally {
            if (standIn != null) {
                standIn.destroy();
                try {
                    standIn.waitFor(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            plane.close();
            plane = null;
            LibvirtHost.run("rm", "-rf", dir.toString());
        }
    }
}
