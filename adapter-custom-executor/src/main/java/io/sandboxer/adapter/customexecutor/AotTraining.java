package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.training.TrainingBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

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
        try {
            Optional<TrainingBackend> created = TrainingBackend.create();
            if (created.isEmpty()) {
                Diagnostics.warn("training: no backend on the class path ships training settings; config only");
                return QuickStart.tryStage(new String[] {"config"}).orElse(1);
            }
            try (TrainingBackend backend = created.get()) {
                Path settings = Files.writeString(backend.dir().resolve("settings.json"), backend.settings());
                int config = QuickStart.tryStage(new String[] {"config", "--config", settings.toString()}).orElse(1);
                int cleanup = QuickStart.tryStage(new String[] {"cleanup", "--config", settings.toString()}).orElse(1);
                return Math.max(config, cleanup);
            }
        } catch (IOException | UncheckedIOException e) {
            Diagnostics.warn("training: " + e.getMessage());
            return 1;
        }
    }
}
