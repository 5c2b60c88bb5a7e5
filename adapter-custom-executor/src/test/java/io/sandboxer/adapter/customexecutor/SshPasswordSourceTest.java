package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshPasswordSourceTest {
    @TempDir
    Path dir;

    private static final RunnerEnvironment NONE = new RunnerEnvironment(Map.of());

    @Test
    void aFileOrTheRunnersEnvironmentKeepThePasswordOutOfPs() throws Exception {
        Path file = Files.writeString(dir.resolve("pw"), "s3cret with spaces\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertEquals("s3cret with spaces", SshPasswordSource.resolve(null, file, NONE).orElseThrow().reveal(), "one trailing newline dropped");
        assertEquals("from-env", SshPasswordSource.resolve(null, null, new RunnerEnvironment(Map.of("SANDBOXER_SSH_PASSWORD", "from-env")))
                .orElseThrow().reveal());
        assertEquals("flag", SshPasswordSource.resolve("flag", null, NONE).orElseThrow().reveal(), "the Go tool's flag still works");
        assertTrue(SshPasswordSource.resolve(null, null, NONE).isEmpty());
    }

    @Test
    void aJobCannotSetThePassword() {
        assertTrue(SshPasswordSource.resolve(null, null, new RunnerEnvironment(Map.of("CUSTOM_ENV_SANDBOXER_SSH_PASSWORD", "job"))).isEmpty());
    }

    @Test
    void conflictingEmptyOrUnreadableSourcesAreRefusedWithoutTheValue() throws Exception {
        Path file = Files.writeString(dir.resolve("pw"), "x");
        StageException both = assertThrows(StageException.class,
                () -> SshPasswordSource.resolve("flag-secret", file, new RunnerEnvironment(Map.of("SANDBOXER_SSH_PASSWORD", "env-secret"))));
        assertEquals("give one SSH password source, not --ssh-password and --ssh-password-file and SANDBOXER_SSH_PASSWORD", both.getMessage());
        StageException empty = assertThrows(StageException.class, () -> SshPasswordSource.resolve(null, Files.writeString(dir.resolve("e"), "\n"), NONE));
        assertTrue(empty.getMessage().contains("is empty"), empty.getMessage());
        StageException missing = assertThrows(StageException.class, () -> SshPasswordSource.resolve(null, dir.resolve("missing"), NONE));
        assertTrue(missing.getMessage().contains("cannot be read"), missing.getMessage());
        assertFalse(both.getMessage().contains("secret"));
    }
}
