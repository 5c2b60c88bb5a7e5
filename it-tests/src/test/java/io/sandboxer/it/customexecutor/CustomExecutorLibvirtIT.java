package io.sandboxer.it.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.adapter.customexecutor.RunnerEmulator;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole GitLab job through the built {@code sandboxer} launcher on a real libvirtd + QEMU: one process per stage
 * as the runner runs them, so every stage finds the sandbox and its credentials again from libvirt and the state
 * directory alone. The guest is the Debian test image bootstrapped by cloud-init (the KubeVirt tool's bootstrap; the
 * Ignition path boots in {@code LibvirtGuestIT}); a job variable sizes its memory.
 */
class CustomExecutorLibvirtIT {
    private static final Path LAUNCHER = Path.of("../adapter-custom-executor/target/sandboxer");
    /** Under /var/lib, which QEMU can enter (a JUnit temp dir is 0700, and the provider rightly refuses it). */
    private static final Path STATE = Path.of("/var/lib/sandboxer/it-executor");
    private static final Duration PREPARE_LIMIT = Duration.ofMinutes(15);

    @TempDir
    Path dir;

    @Test
    void aJobFromConfigToCleanupOnARealVm() throws Exception {
        LibvirtHost host = LibvirtHost.prepare();
        Path config = dir.resolve("libvirt.json");
        Files.writeString(config, host.settings("sbx-it-executor", STATE, "").put("provider", "libvirt")
                .put("bootstrap_format", "cloud-init").put("bootstrap_delivery", "file").toString());
        String jobId = Long.toString(900_000 + System.nanoTime() % 100_000);
        RunnerEmulator runner = RunnerEmulator.withLauncher(LAUNCHER, dir.resolve("job"), jobId).job("VM_MEMORY_REQUEST", "1536Mi");

        RunnerEmulator.Result configStage = runner.stage("config", "--config", config.toString());
        assertEquals(0, configStage.exitCode(), configStage.stderr());
        JsonNode json = new ObjectMapper().readTree(configStage.stdout());
        String name = json.path("hostname").asText();
        assertTrue(name.startsWith("sandboxer-j" + jobId + "-"), name);

        try {
            RunnerEmulator.Result prepare = runner.stage(PREPARE_LIMIT, "prepare", "--config", config.toString(), "--shell", "bash",
                    "--ssh-user", "runner", "--timeout", "14m");
            System.out.print(prepare.stderr());
            assertEquals(0, prepare.exitCode(), prepare.stderr());
            assertTrue(prepare.stderr().contains("waiting for"), "progress while the guest boots: " + prepare.stderr());
            assertTrue(prepare.stderr().contains("is ready: SSH login as runner works"), prepare.stderr());

            Path build = runner.script("build_script", """
                    echo "user=$(id -un) host=$(hostname)"
                    echo to-stderr >&2
                    awk '/^MemTotal:/ {print ($2 > 1200000 ? "memory=sized" : "memory=default " $2)}' /proc/meminfo
                    sudo -n true && echo sudo=ok
                    """);
            RunnerEmulator.Result ok = runner.stage("run", "--config", config.toString(), build.toString(), "build_script");
            assertEquals(0, ok.exitCode(), ok.stderr());
            assertEquals("user=runner host=" + name + "\nmemory=sized\nsudo=ok\n", ok.stdout(), "VM_MEMORY_REQUEST=1536Mi sized the VM");
            assertTrue(ok.stderr().contains("to-stderr"));
            assertFalse(ok.stderr().contains("unable to resolve host"), "the guest resolves its own name: " + ok.stderr());
            assertEquals(0, runner.buildExitCode());

            Path failing = runner.script("step_script", "echo failing\nexit 3\n");
            RunnerEmulator.Result failed = runner.stage("run", "--config", config.toString(), failing.toString(), "step_script");
            assertEquals(1, failed.exitCode(), "BUILD_FAILURE_EXIT_CODE: " + failed.stderr());
            assertEquals(3, runner.buildExitCode());

            for (RunnerEmulator.Result r : List.of(prepare, ok, failed)) {
                assertFalse(r.stdout().contains("PRIVATE KEY") || r.stderr().contains("PRIVATE KEY"), "no key material in the job log");
            }
        } finally {
            RunnerEmulator.Result cleanup = runner.stage("cleanup", "--config", config.toString());
            assertEquals(0, cleanup.exitCode(), cleanup.stderr());
        }
        assertEquals("", host.leftovers(name), "no domain or volume of the job is left");
        try (Stream<Path> files = Files.walk(STATE)) {
            assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "no bootstrap or credentials file is left");
        }
        RunnerEmulator.Result again = runner.stage("cleanup", "--config", config.toString());
        assertEquals(0, again.exitCode(), "cleanup is idempotent: " + again.stderr());
        RunnerEmulator.Result gone = runner.stage("run", "--config", config.toString(), runner.script("after_script", "true\n").toString(),
                "after_script");
        assertEquals(2, gone.exitCode(), "SYSTEM_FAILURE_EXIT_CODE when the sandbox is gone: " + gone.stderr());
    }
}
