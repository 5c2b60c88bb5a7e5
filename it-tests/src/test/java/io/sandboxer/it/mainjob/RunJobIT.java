package io.sandboxer.it.mainjob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.it.libvirt.LibvirtHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's first command, {@code ./run-job}, exactly as a user runs it: one whole GitLab-style job on the local
 * libvirt with the built-in demo script, its output, the timing table, and nothing left behind.
 */
class RunJobIT {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theMainJobRunsAWholeJobAndLeavesNothingBehind() throws Exception {
        // A job id of this test's own: a VM another (interrupted) run left on this host is not this job's leftover.
        String jobId = Long.toString(800_000 + System.nanoTime() % 100_000);
        ProcessBuilder run = new ProcessBuilder(REPO.resolve("run-job").toString()).directory(REPO.toFile()).redirectErrorStream(true);
        run.environment().put("CI_JOB_ID", jobId);
        Process p = run.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.MINUTES), "run-job finished");
        System.out.print(out);
        assertEquals(0, p.exitValue(), out);
        for (String expected : new String[] {"==> prepare", "waiting for an IP address", "is ready: SSH login as runner works",
                "Running on sandboxer-j" + jobId + "-", "checked out: build.sh", "kernel: Linux ", "compiled on x86_64 in /home/runner/builds/demo",
                "passwordless sudo works", "after_script: removed the build directory", "==> timing per stage",
                "run build_script", "the job succeeded; nothing is left behind"}) {
            assertTrue(out.contains(expected), "run-job's output shows: " + expected);
        }
        assertEquals("", LibvirtHost.run("virsh", "-c", "qemu:///system", "list", "--all", "--name").lines()
                .filter(name -> name.startsWith("sandboxer-j" + jobId + "-")).reduce("", String::concat), "no job VM is left");
    }
}
