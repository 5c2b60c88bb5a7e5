package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.training.TrainingBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AOT caches' training runs take the stages' real paths (a config stage and a cleanup that really opened the
 * libvirt backend on the test driver and found nothing; prepare's create and delete there), so each cache holds what
 * its stages load; they leave nothing.
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

    @Test
    void thePrepareTrainingCreatesAndDeletesOnTheTestDriverAndLeavesNothing() throws Exception {
        List<Path> before = trainingDirectories();
        RunnerEmulator.Result r = new RunnerEmulator(dir.resolve("job"), "4101").stage(AotTraining.COMMAND, AotTraining.PREPARE);
        assertEquals(0, r.exitCode(), "create, delete and the SSH client's set-up all ran: " + r.stderr());
        assertFalse(r.stderr().contains("training:"), r.stderr());
        assertEquals(before, trainingDirectories());
        assertEquals(2, new RunnerEmulator(dir.resolve("other"), "4102").stage(AotTraining.COMMAND, "bogus").exitCode());
    }

    /**
     * Scratch directories whose training process has ended (left behind), not those of a training running at the same
     * moment elsewhere on the machine (a build's): a stage's own directory is gone before its process is.
     */
    private static List<Path> trainingDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> TrainingBackend.owner(p).isPresent() && !alive(TrainingBackend.owner(p).getAsLong())).sorted().toList();
        }
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
