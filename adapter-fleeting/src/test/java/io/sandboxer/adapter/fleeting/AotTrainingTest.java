package io.sandboxer.adapter.fleeting;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.sandboxer.core.training.TrainingBackend;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The AOT cache's training run really takes the runner's path (AutoMTLS handshake, Init on libvirt's test driver,
 * Increase, Update, ConnectInfo, Decrease, Shutdown): a step that silently failed would leave the cache without
 * the classes it exists for. And it leaves nothing behind.
 */
class AotTrainingTest {
    @Test
    void everyStepOfTheTrainingCompletesAndItsScratchDirectoryIsRemoved() throws IOException {
        List<String> failed = AotTraining.runSteps("libvirt", BuildInfo.load("fleeting-plugin-libvirt"));
        assertEquals(List.of(), failed);
        assertEquals(List.of(), ownTrainingDirectories(), "the training removed its scratch directory");
    }

    /** Only this JVM's: a build on the same machine may be training at the same moment. */
    private static List<Path> ownTrainingDirectories() throws IOException {
        long self = ProcessHandle.current().pid();
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> TrainingBackend.owner(p).equals(OptionalLong.of(self))).toList();
        }
    }
}
