package io.sandboxer.core.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.bootstrap.OsFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The readiness command, run by a real /bin/sh against a stand-in {@code cloud-init} in each of its states and a
 * run directory holding the markers cloud-init leaves there (or none).
 */
class GuestReadyCommandTest {
    @TempDir
    Path bin;
    @TempDir
    Path runDir;
    private Path asked;

    @BeforeEach
    void standInCloudInit() throws Exception {
        asked = bin.resolve("asked");
        statusSays("status: running");
    }

    @ParameterizedTest
    @CsvSource({"status: running, 1", "status: not run, 1", "'status: done', 0", "'status: error', 0", "'status: disabled', 0"})
    void withoutMarkersReadyOnlyOnceCloudInitStatusReportsAFinalState(String status, int expectedExit) throws Exception {
        statusSays(status);
        assertEquals(expectedExit, shell(bin + ":/usr/bin:/bin", GuestReadyCommand.linux(runDir.toString())), status);
        assertTrue(Files.exists(asked), "cloud-init status was asked");
    }

    @ParameterizedTest
    @CsvSource({"enabled, '', 1", "enabled, result.json, 0", "disabled, '', 0"})
    void cloudInitsOwnFilesAnswerWithoutStartingIt(String generatorSaid, String finalStageWrote, int expectedExit) throws Exception {
        statusSays("status: done"); // would say ready: only the files may decide
        Files.createFile(runDir.resolve(generatorSaid));
        if (!finalStageWrote.isEmpty()) {
            Files.writeString(runDir.resolve(finalStageWrote), "{\"v1\": {\"errors\": []}}");
        }
        assertEquals(expectedExit, shell(bin + ":/usr/bin:/bin", GuestReadyCommand.linux(runDir.toString())));
        assertFalse(Files.exists(asked), "cloud-init status (a Python start, seconds on a slow guest) was not run");
    }

    @Test
    void theGuestsCommandLooksInCloudInitsRunDirectory() {
        assertEquals(GuestReadyCommand.linux("/run/cloud-init"), GuestReadyCommand.forOs(OsFamily.LINUX));
    }

    @Test
    void aGuestWithoutCloudInitIsReadyAtItsFirstLogin() throws Exception {
        Files.delete(bin.resolve("cloud-init"));
        assertEquals(0, shell(bin.toString(), GuestReadyCommand.linux(runDir.toString())), "Flatcar / Ignition guests");
    }

    @Test
    void theWindowsCommandIsUnderstoodByEveryShell() throws Exception {
        assertEquals(0, shell("/usr/bin:/bin", GuestReadyCommand.forOs(OsFamily.WINDOWS)));
    }

    private void statusSays(String status) throws Exception {
        Path tool = bin.resolve("cloud-init");
        Files.writeString(tool, "#!/bin/sh\n[ \"$1\" = status ] || exit 64\n: > '" + asked + "'\necho '" + status + "'\necho 'extended_status: x'\n");
        tool.toFile().setExecutable(true);
    }

    private static int shell(String path, String command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true);
        builder.environment().put("PATH", path);
        Process p = builder.start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
