package io.sandboxer.adapter.customexecutor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.OptionalInt;
import java.util.stream.Stream;

/**
 * The AOT cache's training run ({@code sandboxer aot-training}, run by the build's {@code make-aot-cache} with a
 * {@code JOB_RESPONSE_FILE} of its own, never by the runner): in one JVM, a {@code config} stage and a
 * {@code cleanup} stage as the runner calls them, the cleanup on libvirt's in-memory test driver (settings, the
 * job identity, the backend's start and its lookups: what {@code prepare} and {@code cleanup} load before they
 * reach a real hypervisor). It finds nothing to delete. Returns the exit codes' worst; a failure costs the cache
 * some classes, never correctness.
 */
final class AotTraining {
    static final String COMMAND = "aot-training";

    private AotTraining() {
    }

    static int run() {
        Path work = null;
        try {
            work = Files.createTempDirectory("sandboxer-aot-training");
            Path node = work.resolve("node.xml");
            try (InputStream in = AotTraining.class.getResourceAsStream("/sandboxer-training/test-node.xml")) {
                if (in == null) {
                    Diagnostics.warn("training: the libvirt backend is not on the class path; config only");
                    return exitCode(QuickStart.tryStage(new String[] {"config"}));
                }
                Files.write(node, in.readAllBytes());
            }
            Path settings = Files.writeString(work.resolve("settings.json"), """
                    {"provider": "libvirt", "uri": "test://%s", "pool_name": "pool", "base_volume_name": "base.qcow2",
                     "network_name": "default", "state_dir": "%s", "domain_type": "qemu"}""".formatted(node, work.resolve("state")));
            int config = exitCode(QuickStart.tryStage(new String[] {"config", "--config", settings.toString()}));
            int cleanup = exitCode(QuickStart.tryStage(new String[] {"cleanup", "--config", settings.toString()}));
            return Math.max(config, cleanup);
        } catch (IOException e) {
            Diagnostics.warn("training: " + e.getMessage());
            return 1;
        } finally {
            deleteTree(work);
        }
    }

    private static int exitCode(OptionalInt quick) {
        return quick.orElse(1);
    }

    private static void deleteTree(Path root) {
        if (root == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            Diagnostics.warn("training: could not remove " + root + ": " + e.getMessage());
        }
    }
}
