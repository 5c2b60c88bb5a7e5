package io.sandboxer.it.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.sandboxer.adapter.customexecutor.RunnerEmulator;
import io.sandboxer.core.testing.Poll;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs through the built {@code sandboxer} custom-executor driver on the KubeVirt backend against the real control
 * plane, invoked as the KubeVirt Go tool documents it ({@code prepare --shell bash --default-image … --ssh-user …},
 * credentials from {@code KUBECONFIG}, the namespace from {@code KUBEVIRT_NAMESPACE}), with the documented Role's
 * ServiceAccount token only. Guests are real (the virt-handler stand-in boots them on libvirtd) and reached by their
 * IP ({@code "access": "pod-ip"}). A passing job sized and given a TTL by its {@code CUSTOM_ENV_VM_*} variables, a
 * failing one, one cancelled while its VM boots; {@code gc --dry-run --max-age} lists without deleting, {@code gc}
 * collects a Secret whose VMI vanished; nothing is left.
 *
 * <p>The stages run one process each, as GitLab Runner runs them, driven by it-tests' runner emulator: the real
 * gitlab-runner cannot be built here (its modules are refused by the module proxy; see the README).
 */
class CustomExecutorKubevirtIT {
    private static final String NAMESPACE = "sbx-it-executor";
    private static final Duration PREPARE_LIMIT = Duration.ofMinutes(15);
    @RegisterExtension
    static final KubevirtCluster cluster = new KubevirtCluster(NAMESPACE);
    private static Path config;

    @TempDir
    Path jobDir;

    @BeforeAll
    static void writeConfig() throws Exception {
        // Only what the Go tool has no flag for: reach guests by IP from this machine (outside any pod, auto would tunnel).
        config = Files.writeString(cluster.dir().resolve("kubevirt.json"), "{\"provider\": \"kubevirt\", \"access\": \"pod-ip\"}");
    }

    private RunnerEmulator runner(String jobId) throws Exception {
        return RunnerEmulator.withLauncher(LibvirtHost.SANDBOXER, jobDir.resolve(jobId), jobId)
                .hostEnvironment("KUBECONFIG", cluster.serviceAccountKubeconfig().toString())
                .hostEnvironment("KUBEVIRT_NAMESPACE", NAMESPACE);
    }

    /** The KubeVirt Go tool's documented prepare_args, plus --config. */
    private static String[] prepareArgs() {
        return new String[] {"prepare", "--config", config.toString(), "--shell", "bash", "--default-image", KubevirtCluster.IMAGE,
                "--default-machine-type", "q35", "--default-architecture", "amd64", "--ssh-user", "runner", "--timeout", "14m",
                "--default-memory-request", "1Gi", "--default-memory-limit", "2Gi"};
    }

    private static String jobId() {
        return Long.toString(700_000 + System.nanoTime() % 100_000);
    }

    @Test
    void passingAndFailingJobsRunOnRealGuestsAndGcCollectsAnOrphanedSecret() throws Exception {
        // The job sizes its VM within the runner's limit and gives it a TTL that is over at once (for gc's dry run below).
        RunnerEmulator passing = runner(jobId()).job("VM_MEMORY_REQUEST", "1536Mi").job("VM_MEMORY_LIMIT", "1536Mi").job("VM_TTL", "1s");
        String name = jobName(passing);
        // A create that died between its Secret and its VMI (the order the backend creates them in) left this; made first
        // so that gc's shortest grace (2 minutes) is over by the end of the jobs. Its labels are checked against a real one.
        String vanished = name.substring(0, name.lastIndexOf('-') + 1) + "0vanished";
        Map<String, String> orphanLabels = Map.of("sandboxer.io/group", "gitlab-runner", "sandboxer.io/id", vanished, "sandboxer.io/kind", "bootstrap");
        Secret orphan = cluster.plane().admin().secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata()
                .withName(KubevirtCluster.secretOf(vanished)).withLabels(orphanLabels).endMetadata()
                .withStringData(Map.of("userdata", "#cloud-config\n")).build()).create();
        RunnerEmulator.Result passingCleanup;
        try {
            prepare(passing);
            assertEquals("on " + name + " as runner\nmemory=sized\n", subStage(passing, "build_script", """
                    echo "on $(hostname) as $(id -un)"
                    awk '/^MemTotal:/ {print ($2 > 1300000 && $2 < 1600000 ? "memory=sized" : "memory=" $2)}' /proc/meminfo
                    """).stdout());
            assertEquals(0, passing.buildExitCode());

            Map<String, String> live = new HashMap<>(cluster.plane().admin().secrets().inNamespace(NAMESPACE)
                    .withName(KubevirtCluster.secretOf(name)).get().getMetadata().getLabels());
            live.put("sandboxer.io/id", vanished);
            assertEquals(live, orphanLabels, "the orphan is labelled as the driver labels its Secrets");

            RunnerEmulator.Result dryRun = passing.stage("gc", "--config", config.toString(), "--dry-run", "--max-age", "1s");
            assertEquals(0, dryRun.exitCode(), dryRun.stderr());
            assertTrue(dryRun.stdout().lines().anyMatch(("would delete sandbox " + name)::equals), "its VM_TTL is over: " + dryRun.stdout());
            assertTrue(cluster.vmis().stream().anyMatch(v -> v.getMetadata().getName().equals(name)), "a dry run deletes nothing");
        } finally {
            passingCleanup = cleanup(passing);
        }
        assertDeletedByTheAgent(passingCleanup, name);
        cluster.awaitNothingLeft(name, Duration.ofMinutes(2));

        RunnerEmulator failing = runner(jobId());
        String failingName = jobName(failing);
        try {
            prepare(failing);
            RunnerEmulator.Result failed = failing.stage("run", "--config", config.toString(),
                    failing.script("build_script", "echo failing on $(hostname)\nexit 3\n").toString(), "build_script");
            assertEquals(1, failed.exitCode(), "BUILD_FAILURE_EXIT_CODE: " + failed.stderr());
            assertEquals("failing on " + failingName + "\n", failed.stdout());
            assertEquals(3, failing.buildExitCode(), "BUILD_EXIT_CODE_FILE holds the script's exit code");
        } finally {
            cleanup(failing);
        }
        cluster.awaitNothingLeft(failingName, Duration.ofMinutes(2));

        // gc leaves the orphan while it is younger than its grace, then collects it.
        Poll.until("gc to collect the Secret whose VMI vanished", Duration.ofMinutes(4), () -> {
            RunnerEmulator.Result gc = stage(failing, "gc", "--config", config.toString(), "--orphan-grace", "2m");
            assertEquals(0, gc.exitCode(), gc.stderr());
            return cluster.plane().admin().secrets().inNamespace(NAMESPACE).withName(orphan.getMetadata().getName()).get() == null;
        });
        assertEquals(List.of(), cluster.secrets(), "no Secret remains");
        assertEquals(List.of(), cluster.vmis(), "no VMI remains");
    }

    @Test
    void aJobCancelledWhileItsVmBootsLeavesNothing() throws Exception {
        RunnerEmulator cancelled = runner(jobId());
        String name = jobName(cancelled);
        Process prepare = cancelled.start(prepareArgs());
        try {
            Poll.until("the job's VMI to exist", Duration.ofMinutes(2),
                    () -> cluster.vmis().stream().anyMatch(v -> v.getMetadata().getName().equals(name)));
            new ProcessBuilder("kill", "-TERM", Long.toString(prepare.pid())).start().waitFor(); // the runner cancels the job
            assertTrue(prepare.waitFor(60, TimeUnit.SECONDS), "prepare ends promptly after SIGTERM");
            String stderr = new String(prepare.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(prepare.exitValue() != 0, "a cancelled prepare does not report success: " + stderr);
        } finally {
            prepare.destroyForcibly();
            cleanup(cancelled);
        }
        cluster.awaitNothingLeft(name, Duration.ofMinutes(2));
    }

    private static String jobName(RunnerEmulator runner) throws Exception {
        RunnerEmulator.Result stage = runner.stage("config", "--config", config.toString());
        assertEquals(0, stage.exitCode(), stage.stderr());
        return new ObjectMapper().readTree(stage.stdout()).path("hostname").asText();
    }

    private static void prepare(RunnerEmulator runner) throws Exception {
        RunnerEmulator.Result prepare = runner.stage(PREPARE_LIMIT, prepareArgs());
        System.out.print(prepare.stderr());
        assertEquals(0, prepare.exitCode(), prepare.stderr() + "\nstand-in:\n" + cluster.standInLog());
        assertTrue(prepare.stderr().contains("is ready: SSH login as runner works"), prepare.stderr());
        assertFalse(prepare.stderr().contains("PRIVATE KEY"), "no key material in the job log");
    }

    private static RunnerEmulator.Result subStage(RunnerEmulator runner, String name, String script) throws Exception {
        RunnerEmulator.Result r = runner.stage("run", "--config", config.toString(), runner.script(name, script).toString(), name);
        assertEquals(0, r.exitCode(), name + ": " + r.stderr());
        return r;
    }

    private static RunnerEmulator.Result cleanup(RunnerEmulator runner) throws Exception {
        RunnerEmulator.Result cleanup = runner.stage("cleanup", "--config", config.toString());
        assertEquals(0, cleanup.exitCode(), cleanup.stderr());
        return cleanup;
    }

    /** The job's connection agent deleted the VM with the Kubernetes client it held open (the service account's). */
    private static void assertDeletedByTheAgent(RunnerEmulator.Result cleanup, String name) {
        assertTrue(cleanup.stderr().contains("stopped the job's connection agent\n[sandboxer] deleted sandbox " + name), cleanup.stderr());
        assertFalse(cleanup.stderr().contains("deleting directly"), cleanup.stderr());
    }

    private static RunnerEmulator.Result stage(RunnerEmulator runner, String... args) {
        try {
            return runner.stage(args);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
