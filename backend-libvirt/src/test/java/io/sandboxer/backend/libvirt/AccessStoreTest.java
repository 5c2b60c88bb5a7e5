package io.sandboxer.backend.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.SandboxAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessStoreTest {
    @TempDir
    Path dir;

    private static SandboxAccess access() {
        return SandboxAccess.ssh("core", new Credential.Password(Secret.of("pw")));
    }

    /** What a writer SIGKILLed between create and rename leaves: the start-up sweep must find and remove it. */
    @Test
    void aHalfWrittenFileIsFoundByItsIdAndRemovedWithTheSandbox() throws Exception {
        Files.writeString(dir.resolve(".sbx-a-1.access.json.part"), "{\"us");
        AccessStore store = new AccessStore(dir);
        assertEquals(List.of("sbx-a-1"), store.ids());
        assertTrue(store.delete("sbx-a-1"), "a part file counts as something removed");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
        assertFalse(store.delete("sbx-a-1"), "delete is idempotent");
    }

    @Test
    void aStalePartFileIsReplacedAndTheStoredFileIsPrivate() throws Exception {
        Files.writeString(dir.resolve(".sbx-a-1.access.json.part"), "stale");
        Files.setPosixFilePermissions(dir.resolve(".sbx-a-1.access.json.part"), PosixFilePermissions.fromString("rw-r--r--"));
        AccessStore store = new AccessStore(dir);
        store.save("sbx-a-1", access());
        assertEquals("core", store.load("sbx-a-1").orElseThrow().user());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.fileFor("sbx-a-1"))));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(store.fileFor("sbx-a-1")), files.toList(), "nothing but the stored file: " + dir);
        }
        assertEquals(List.of("sbx-a-1"), store.ids());
    }
}
