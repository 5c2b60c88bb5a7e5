package io.sandboxer.it.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.it.kubernetes.ControlPlane;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The container image ({@code scripts/container-image.sh}: an OCI layout built by Debian's umoci, no daemon), unpacked
 * with umoci and run from its rootfs in a chroot as the image's own user: the KubeVirt Go tool's entrypoint switch, and
 * the gc CronJob's command against a real kube-apiserver with the documented Role's token, on the image's own runtime.
 */
class ContainerImageIT {
    @TempDir
    static Path work;
    private static Path layout;

    @BeforeAll
    static void buildImage() {
        String out = LibvirtHost.run(Path.of("../scripts/container-image.sh").toAbsolutePath().toString()).strip();
        layout = Path.of(out.substring(out.lastIndexOf('\n') + 1));
    }

    @Test
    void theImageHasTheGoToolsEntrypointSwitchAndRunsAsNobody() throws Exception {
        JsonNode index = new ObjectMapper().readTree(layout.resolve("index.json").toFile());
        String tag = index.path("manifests").get(0).path("annotations").path("org.opencontainers.image.ref.name").asText();
        JsonNode manifest = blob(index.path("manifests").get(0).path("digest").asText());
        JsonNode config = blob(manifest.path("config").path("digest").asText()).path("config");
        assertEquals("65534:65534", config.path("User").asText());
        assertEquals("/usr/local/bin/sandboxer-entrypoint", config.path("Entrypoint").get(0).asText());

        Path rootfs = unpack(tag);
        Result executor = chroot(rootfs, List.of("KUBEVIRT_EXECUTOR=true"), "--version");
        assertEquals(0, executor.exit(), executor.output());
        assertTrue(executor.output().startsWith("sandboxer " + tag + "\n"), executor.output());
        assertTrue(executor.output().contains("\nAOT cache: /usr/lib/sandboxer/aot/sandboxer-"), "the image's user starts from the cache: "
                + executor.output());
        Result runner = chroot(rootfs, List.of(), "--version");
        assertEquals(1, runner.exit());
        assertTrue(runner.output().contains("this image has no gitlab-runner"), runner.output());
    }

    @Test
    void theGcCronJobsCommandRunsInTheImageAgainstARealApiServer() throws Exception {
        String tag = new ObjectMapper().readTree(layout.resolve("index.json").toFile()).path("manifests").get(0).path("annotations")
                .path("org.opencontainers.image.ref.name").asText();
        Path rootfs = unpack(tag);
        try (ControlPlane plane = ControlPlane.start(work.resolve("control-plane"))) {
            plane.namespaceWithDocumentedRbac("gitlab-runner");
            Path kubeconfig = rootfs.resolve("tmp/kubeconfig");
            Files.copy(plane.serviceAccountKubeconfig("gitlab-runner"), kubeconfig, StandardCopyOption.COPY_ATTRIBUTES); // a token: stays 0600
            LibvirtHost.run("chown", "65534:65534", kubeconfig.toString());
            Result gc = chroot(rootfs, List.of("KUBEVIRT_EXECUTOR=true", "KUBECONFIG=/tmp/kubeconfig", "KUBEVIRT_NAMESPACE=gitlab-runner"),
                    "gc", "--max-age", "3h");
            assertEquals(0, gc.exit(), gc.output());
            assertTrue(gc.output().contains("0 expired sandbox(es), 0 orphan(s)"), gc.output());
        }
    }

    private static JsonNode blob(String digest) throws IOException {
        return new ObjectMapper().readTree(layout.resolve("blobs").resolve(digest.replace(':', '/')).toFile());
    }

    private static Path unpack(String tag) {
        Path bundle = work.resolve("bundle-" + System.nanoTime());
        LibvirtHost.run("umoci", "unpack", "--image", layout + ":" + tag, bundle.toString());
        return bundle.resolve("rootfs");
    }

    record Result(int exit, String output) {
    }

    /** The entrypoint with {@code args} in a chroot of {@code rootfs} (its own /proc, private mounts) as uid 65534. */
    private static Result chroot(Path rootfs, List<String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--fork", "sh", "-c",
                "mount -t proc proc \"$0/proc\" && exec chroot --userspec=65534:65534 \"$0\" env -i PATH=/usr/bin:/bin HOME=/tmp \"$@\"",
                rootfs.toString()));
        command.addAll(env);
        command.add("/usr/local/bin/sandboxer-entrypoint");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the chroot did not finish: " + out);
        }
        return new Result(p.exitValue(), out);
    }
}
