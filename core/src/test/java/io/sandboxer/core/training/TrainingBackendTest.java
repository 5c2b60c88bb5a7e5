package io.sandboxer.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** A scratch directory's name says whose training made it, so a leftover can be told from a training still running. */
class TrainingBackendTest {
    @Test
    void theOwnerIsReadFromTheScratchDirectorysName() {
        assertEquals(OptionalLong.of(4242), TrainingBackend.owner(Path.of("/tmp/sandboxer-aot-training-4242-83712")));
        assertEquals(OptionalLong.empty(), TrainingBackend.owner(Path.of("/tmp/sandboxer-aot-training8279376693113103152")));
        assertEquals(OptionalLong.empty(), TrainingBackend.owner(Path.of("/tmp/sandboxer-aot-training-x-1")));
        assertEquals(OptionalLong.empty(), TrainingBackend.owner(Path.of("/tmp/sandboxer-aot-training--1")));
        assertEquals(OptionalLong.empty(), TrainingBackend.owner(Path.of("/tmp/other-4242-1")));
    }
}
