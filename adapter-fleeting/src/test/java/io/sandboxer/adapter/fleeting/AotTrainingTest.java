package io.sandboxer.adapter.fleeting;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        List<Path> before = trainingDirectories();
        List<String> failed = AotTraining.runSteps("libvirt", BuildInfo.load("fleeting-plugin-libvirt"));
        assertEquals(List.of(), failed);
        assertEquals(before, trainingDirectories());
    }

    private static List<Path> trainingDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("sandboxer-aot-training")).sorted().toList();
        }
    }
}
