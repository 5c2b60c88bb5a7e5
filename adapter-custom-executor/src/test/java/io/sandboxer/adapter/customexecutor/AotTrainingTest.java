package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AOT cache's training run takes the stages' real paths (a config stage, a create and delete, and a cleanup that really opened the
 * libvirt backend on the test driver and found nothing), so the cache holds what a stage loads; it leaves nothing.
 */
class AotTrainingTest {
    @TempDir
    Path dir;

    @Test
    void theTrainingRunsConfigAndACleanupOnTheTestDriverAndRemovesItsScratchDirectory() throws Exception {
        List<Path> before = trainingDirectories();
        RunnerEmulator.Result r = new RunnerEmulator(dir.resolve("job"), "4100").stage(AotTraining.COMMAND);
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("\"hostname\":\"sandboxer-j4100-"), "the config stage ran: " + r.stdout());
        assertTrue(r.stderr().contains("nothing to clean up for sandboxer-j4100-"), "the cleanup reached the backend: " + r.stderr());
        assertEquals(before, trainingDirectories());
    }

    private static List<Path> trainingDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("sandboxer-aot-training")).sorted().toList();
        }
    }
}
