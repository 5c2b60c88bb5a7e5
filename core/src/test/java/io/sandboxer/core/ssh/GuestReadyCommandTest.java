package io.sandboxer.core.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sandboxer.core.bootstrap.OsFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The readiness command, run by a real /bin/sh against a stand-in {@code cloud-init} in each of its states. */
class GuestReadyCommandTest {
    @TempDir
    Path bin;

    @ParameterizedTest
    @CsvSource({"status: running, 1", "status: not run, 1", "'status: done', 0", "'status: error', 0", "'status: disabled', 0"})
    void readyOnlyOnceCloudInitReachedAFinalState(String status, int expectedExit) throws Exception {
        Path tool = bin.resolve("cloud-init");
        Files.writeString(tool, "#!/bin/sh\n[ \"$1\" = status ] || exit 64\necho '" + status + "'\necho 'extended_status: x'\n");
        tool.toFile().setExecutable(true);
        assertEquals(expectedExit, shell(bin + ":/usr/bin:/bin", GuestReadyCommand.forOs(OsFamily.LINUX)), status);
    }

    @Test
    void aGuestWithoutCloudInitIsReadyAtItsFirstLogin() throws Exception {
        assertEquals(0, shell(bin.toString(), GuestReadyCommand.forOs(OsFamily.LINUX)), "Flatcar / Ignition guests");
    }

    @Test
    void theWindowsCommandIsUnderstoodByEveryShell() throws Exception {
        assertEquals(0, shell("/usr/bin:/bin", GuestReadyCommand.forOs(OsFamily.WINDOWS)));
    }

    private static int shell(String path, String command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true);
        builder.environment().put("PATH", path);
        Process p = builder.start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
