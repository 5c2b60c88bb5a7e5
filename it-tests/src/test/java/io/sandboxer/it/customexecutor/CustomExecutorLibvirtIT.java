package io.sandboxer.it.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.adapter.customexecutor.RunnerEmulator;
import io.sandboxer.core.testing.Poll;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whole GitLab jobs through the built {@code sandboxer} launcher on a real libvirtd + QEMU: one process per stage
 * and sub-stage as the runner runs them, so every stage finds the sandbox and its credentials again from libvirt
 * and the state directory alone. Both guest bootstrap paths: cloud-init (NoCloud seed) and Ignition (the rendered
 * bytes delivered through fw_cfg, cloud-init disabled in the guest as on Flatcar). A job variable sizes the VM.
 *
 * <p>After the job's own sub-stages the same VM also runs a failing {@code build_script} and one cancelled by
 * SIGTERM: each would otherwise cost another guest boot (over a minute under TCG).
 */
class CustomExecutorLibvirtIT {
    private static final Path LAUNCHER = LibvirtHost.SANDBOXER;
    /** Under /var/lib, which QEMU can enter (a JUnit temp dir is 0700, and the provider rightly refuses it). */
    private static final Path STATE = Path.of("/var/lib/sandboxer/it-executor");
    private static final Duration PREPARE_LIMIT = Duration.ofMinutes(15);

    private static LibvirtHost host;

    @TempDir
    Path dir;

    @BeforeAll
    static void prepareHost() {
        host = LibvirtHost.prepareWith(STATE);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cloud-init", "ignition"})
    void aJobFromConfigToCleanupOnARealVm(String bootstrap) throws Exception {
        Path config = dir.resolve("libvirt.json");
        Path state = STATE.resolve(bootstrap);
        // An Ignition guest has no cloud-init (as on Flatcar): the Debian test image would otherwise also run it.
        String cmdline = "ignition".equals(bootstrap) ? " cloud-init=disabled" : "";
        Files.writeString(config, host.settings("sbx-it-executor", state, cmdline).put("provider", "libvirt")
                .put("bootstrap_format", bootstrap).put("bootstrap_delivery", "file").toString());
        String jobId = Long.toString(900_000 + System.nanoTime() % 100_000);
        RunnerEmulator runner = RunnerEmulator.withLauncher(LAUNCHER, dir.resolve("job"), jobId).job("VM_MEMORY_REQUEST", "1536Mi");
        String configArg = config.toString();

        RunnerEmulator.Result configStage = runner.stage("config", "--config", configArg);
        assertEquals(0, configStage.exitCode(), configStage.stderr());
        JsonNode json = new ObjectMapper().readTree(configStage.stdout());
        String name = json.path("hostname").asText();
        assertTrue(name.startsWith("sandboxer-j" + jobId + "-"), name);

        List<RunnerEmulator.Result> log = new ArrayList<>();
        try {
            RunnerEmulator.Result prepare = runner.stage(PREPARE_LIMIT, "prepare", "--config", configArg, "--shell", "bash",
                    "--ssh-user", "runner", "--timeout", "14m", "--max-memory", "2Gi"); // the runner lets jobs grow to 2 GiB
            System.out.print(prepare.stderr());
            log.add(prepare);
            assertEquals(0, prepare.exitCode(), prepare.stderr());
            assertTrue(prepare.stderr().contains("waiting for"), "progress while the guest boots: " + prepare.stderr());
            assertTrue(prepare.stderr().contains("is ready: SSH login as runner works"), prepare.stderr());
            String agent = LibvirtHost.run("sh", "-c", "for p in $(pgrep -f -- 'SandboxerCli agent --sandbox " + name
                    + "'); do tr '\\0' ' ' < /proc/$p/cmdline; echo; done");
            assertTrue(agent.contains(" -Xmx256m ") && agent.contains(" -XX:MaxNewSize=4m "),
                    "the job's connection agent runs with a small heap that gives memory back: " + agent);

            log.add(subStage(runner, configArg, "prepare_script", "echo \"Running on $(hostname) via sandboxer\"\n",
                    "Running on " + name + " via sandboxer\n"));
            log.add(subStage(runner, configArg, "get_sources", """
                    mkdir -p builds/project && cd builds/project
                    printf 'echo "built by $(id -un)"\\n' > build.sh
                    echo "fetched $(ls)"
                    """, "fetched build.sh\n"));
            RunnerEmulator.Result build = subStage(runner, configArg, "build_script", """
                    echo "kernel $(uname -r)" >&2
                    cd builds/project && sh build.sh
                    echo to-stderr >&2
                    awk '/^MemTotal:/ {print ($2 > 1200000 ? "memory=sized" : "memory=default " $2)}' /proc/meminfo
                    sudo -n true && echo sudo=ok
                    """, "built by runner\nmemory=sized\nsudo=ok\n");
            log.add(build);
            assertTrue(build.stderr().contains("kernel " + host.kernelRelease()), "the guest runs the test image's kernel: " + build.stderr());
            assertTrue(build.stderr().contains("to-stderr"));
            assertFalse(build.stderr().contains("unable to resolve host"), "the guest resolves its own name: " + build.stderr());
            log.add(subStage(runner, configArg, "after_script", "rm -rf builds && echo cleaned\n", "cleaned\n"));
            assertEquals(0, runner.buildExitCode());

            Path failing = runner.script("build_script", "echo failing\nexit 3\n");
            RunnerEmulator.Result failed = runner.stage("run", "--config", configArg, failing.toString(), "build_script");
            log.add(failed);
            assertEquals(1, failed.exitCode(), "BUILD_FAILURE_EXIT_CODE: " + failed.stderr());
            assertEquals(3, runner.buildExitCode(), "BUILD_EXIT_CODE_FILE holds the script's exit code");

            cancelDuringBuildScript(runner, configArg);

            for (RunnerEmulator.Result r : log) {
                assertFalse(r.stdout().contains("PRIVATE KEY") || r.stderr().contains("PRIVATE KEY"), "no key material in the job log");
            }
        } finally {
            RunnerEmulator.Result cleanup = runner.stage("cleanup", "--config", configArg);
            assertEquals(0, cleanup.exitCode(), cleanup.stderr());
            // The stage client (as for run) had the agent delete the domain through its open libvirt connection.
            assertTrue(cleanup.stderr().contains("stopped the job's connection agent\n[sandboxer] deleted sandbox " + name), cleanup.stderr());
            assertFalse(cleanup.stderr().contains("deleting directly"), cleanup.stderr());
        }
        assertEquals("", host.leftovers(name), "no domain or volume of the job is left");
        try (Stream<Path> files = Files.walk(state)) {
            assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "no bootstrap or credentials file is left");
        }
        RunnerEmulator.Result again = runner.stage("cleanup", "--config", configArg);
        assertEquals(0, again.exitCode(), "cleanup is idempotent: " + again.stderr());
        RunnerEmulator.Result gone = runner.stage("run", "--config", configArg, runner.script("after_script", "true\n").toString(),
                "after_script");
        assertEquals(2, gone.exitCode(), "SYSTEM_FAILURE_EXIT_CODE when the sandbox is gone: " + gone.stderr());
    }

    /** One {@code run} sub-stage that must succeed with exactly {@code expectedStdout}. */
    private static RunnerEmulator.Result subStage(RunnerEmulator runner, String config, String name, String script, String expectedStdout)
            throws Exception {
        RunnerEmulator.Result r = runner.stage("run", "--config", config, runner.script(name, script).toString(), name);
        assertEquals(0, r.exitCode(), name + ": " + r.stderr());
        assertEquals(expectedStdout, r.stdout(), name);
        return r;
    }

    /** SIGTERM, as the runner sends on cancel, while {@code build_script} runs: the run stage ends and the remote command is gone. */
    private static void cancelDuringBuildScript(RunnerEmulator runner, String config) throws Exception {
        String marker = "sleep 4321." + System.nanoTime() % 1000;
        Path script = runner.script("build_script", "echo started\nexec " + marker + "\n");
        Process run = runner.start("run", "--config", config, script.toString(), "build_script");
        BufferedReader out = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("started", out.readLine());
        // The launcher exec'd the native stage client, which the build makes wherever Go is (as here): no JVM per sub-stage.
        assertEquals("sandboxer-stage-client", Files.readSymbolicLink(Path.of("/proc", Long.toString(run.pid()), "exe")).getFileName().toString(),
                "the run stage is the native client talking to the job's connection agent");
        Poll.until("the remote command runs", Duration.ofSeconds(60), () -> remote(runner, config, "pgrep -f '" + marker + "'"));

        new ProcessBuilder("kill", "-TERM", Long.toString(run.pid())).start().waitFor();
        assertTrue(run.waitFor(30, TimeUnit.SECONDS), "run exits promptly after SIGTERM");
        String stderr = new String(run.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(stderr.contains("cancelled"), stderr);
        Poll.until("the remote command is gone (run said: " + stderr.strip() + ")", Duration.ofSeconds(60),
                () -> remote(runner, config, "! pgrep -f '" + marker + "'"));
    }

    /** Whether {@code check} succeeds in the guest, asked through a run stage of its own. */
    private static boolean remote(RunnerEmulator runner, String config, String check) {
        try {
            Path probe = runner.script("probe_script", check + "\n");
            return runner.stage("run", "--config", config, probe.toString(), "probe_script").exitCode() == 0;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
