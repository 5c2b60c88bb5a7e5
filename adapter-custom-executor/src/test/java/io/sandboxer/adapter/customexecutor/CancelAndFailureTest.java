package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.sandboxer.backend.kubevirt.FakeVirtController;
import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstance;
import io.sandboxer.core.testing.Poll;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cancel (SIGTERM, as the runner sends it) and infrastructure failures, each stage its own process. */
@EnableKubernetesMockClient(crud = true)
class CancelAndFailureTest {
    KubernetesMockServer server;
    KubernetesClient client;
    @TempDir
    Path dir;

    private String[] prepareArgs(Path config, int port) {
        return new String[] {"prepare", "--config", config.toString(), "--shell", "bash", "--ssh-port", Integer.toString(port)};
    }

    @Test
    void sigtermDuringRunClosesTheChannelKillsTheRemoteCommandAndCleanupRemovesEverything() throws Exception {
        Path config = MockCluster.config(client, dir);
        int port = MockCluster.freePort();
        String name = MockCluster.name("2001");
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "2001");
        try (FakeVirtController controller = new FakeVirtController(client, "ci", i -> "127.0.0.1");
                GuestEmulator guest = new GuestEmulator(client, "ci", name + "-bootstrap", port, dir.resolve("guest"))) {
            assertEquals(0, runner.stage(prepareArgs(config, port)).exitCode());
            String marker = "sleep 4321." + System.nanoTime() % 1000;
            Path script = runner.script("build_script", "echo started\nexec " + marker + "\n");
            Process run = runner.start("run", "--config", config.toString(), script.toString(), "build_script");
            BufferedReader out = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("started", out.readLine());
            Poll.until("the remote command runs", Duration.ofSeconds(20), () -> LocalProcesses.running(marker));

            LocalProcesses.sigterm(run); // as the runner sends on cancel
            assertTrue(run.waitFor(30, TimeUnit.SECONDS), "run exits promptly after SIGTERM");
            String stderr = new String(run.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(stderr.contains("cancelled"), stderr);
            Poll.until("the remote command is gone (run said: " + stderr.strip() + ")", Duration.ofSeconds(20), () -> !LocalProcesses.running(marker));

            assertEquals(0, runner.stage("cleanup", "--config", config.toString()).exitCode());
            assertNull(client.resources(VirtualMachineInstance.class).inNamespace("ci").withName(name).get());
            assertNull(client.secrets().inNamespace("ci").withName(name + "-bootstrap").get());
        }
    }

    @Test
    void sigtermDuringPrepareStopsWaitingAndCleanupStillWorks() throws Exception {
        Path config = MockCluster.config(client, dir);
        String name = MockCluster.name("2002");
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "2002");
        try (FakeVirtController controller = new FakeVirtController(client, "ci", i -> "127.0.0.1")) {
            Process prepare = startPrepareThatWaits(controller, runner, config, name);
            LocalProcesses.sigterm(prepare);
            assertTrue(prepare.waitFor(30, TimeUnit.SECONDS), "prepare stops waiting on SIGTERM");
            assertEquals(2, prepare.exitValue(), "system failure: the job was not prepared");
            assertEquals(0, runner.stage("cleanup", "--config", config.toString()).exitCode());
            assertNull(client.resources(VirtualMachineInstance.class).inNamespace("ci").withName(name).get());
        }
    }

    @Test
    void anImagePullErrorIsASystemFailureWithTheClustersWordsAndCleanupAfterItWorks() throws Exception {
        Path config = MockCluster.config(client, dir);
        String name = MockCluster.name("2003");
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "2003").job("CI_JOB_IMAGE", "quay.io/nope/missing:1");
        try (FakeVirtController controller = new FakeVirtController(client, "ci", i -> "127.0.0.1")) {
            controller.mode(name, FakeVirtController.Mode.IMAGE_PULL_ERROR);
            List<String> args = new ArrayList<>(List.of(prepareArgs(config, MockCluster.freePort())));
            args.addAll(List.of("--allowed-image", "quay.io/nope/*"));
            RunnerEmulator.Result prepare = runner.stage(args.toArray(String[]::new));
            assertEquals(2, prepare.exitCode(), prepare.stderr());
            assertTrue(prepare.stderr().contains("ErrImagePull") && prepare.stderr().contains("quay.io/nope/missing:1"), prepare.stderr());
            assertEquals(0, runner.stage("cleanup", "--config", config.toString()).exitCode());
            assertNull(client.secrets().inNamespace("ci").withName(name + "-bootstrap").get());
        }
    }

    @Test
    void theRunnersPrepareRetryFailedAttemptCleanupThenSuccess() throws Exception {
        Path config = MockCluster.config(client, dir);
        int port = MockCluster.freePort();
        String name = MockCluster.name("2005");
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "2005");
        try (FakeVirtController controller = new FakeVirtController(client, "ci", i -> "127.0.0.1")) {
            controller.mode(name, FakeVirtController.Mode.FAILED);
            assertEquals(2, runner.stage(prepareArgs(config, port)).exitCode(), "attempt 1 fails: system failure, so the runner retries");
            assertEquals(0, runner.stage("cleanup", "--config", config.toString()).exitCode(), "the runner cleans up after a failed attempt");
            controller.mode(name, FakeVirtController.Mode.READY);
            try (GuestEmulator guest = new GuestEmulator(client, "ci", name + "-bootstrap", port, dir.resolve("guest"))) {
                assertEquals(0, runner.stage("config", "--config", config.toString()).exitCode(), "config runs again on each attempt");
                RunnerEmulator.Result second = runner.stage(prepareArgs(config, port));
                assertEquals(0, second.exitCode(), second.stderr());
            }
            assertEquals(0, runner.stage("cleanup", "--config", config.toString()).exitCode());
        }
    }

    @Test
    void badJobVariablesAreSystemFailuresNamingTheVariable() throws Exception {
        Path config = MockCluster.config(client, dir);
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "2004").job("VM_CPU_REQUEST", "lots");
        RunnerEmulator.Result prepare = runner.stage(prepareArgs(config, MockCluster.freePort()));
        assertEquals(2, prepare.exitCode());
        assertTrue(prepare.stderr().contains("CUSTOM_ENV_VM_CPU_REQUEST"), prepare.stderr());
        RunnerEmulator.Result badFlag = runner.stage("prepare", "--shell", "tcsh");
        assertEquals(2, badFlag.exitCode());
        assertTrue(badFlag.stderr().contains("--shell tcsh is not supported"), badFlag.stderr());
        RunnerEmulator.Result badPort = runner.stage("prepare", "--config", config.toString(), "--shell", "bash", "--ssh-port", "0");
        assertEquals(2, badPort.exitCode());
        assertTrue(badPort.stderr().contains("--ssh-port 0 is not a port number"), badPort.stderr());
        RunnerEmulator.Result visible = runner.stage("prepare", "--config", config.toString(), "--shell", "bash", "--ssh-password", "pw",
                "--ssh-private-key-file", config.toString());
        assertEquals(2, visible.exitCode());
        assertTrue(visible.stderr().contains("warning: --ssh-password is visible to every local user"), visible.stderr());
        RunnerEmulator.Result passwordAndKey = runner.stage("prepare", "--config", config.toString(), "--ssh-password-file", config.toString(),
                "--ssh-private-key-file", config.toString());
        assertEquals(2, passwordAndKey.exitCode());
        assertTrue(passwordAndKey.stderr().contains("are mutually exclusive"), passwordAndKey.stderr());
        RunnerEmulator.Result zeroTimeout = runner.stage("prepare", "--config", config.toString(), "--timeout", "0s");
        assertEquals(2, zeroTimeout.exitCode());
        assertTrue(zeroTimeout.stderr().contains("'--timeout': 0s must be positive"), zeroTimeout.stderr());
        assertEquals(0, client.secrets().inNamespace("ci").list().getItems().size(), "refused before anything was made");
    }

    /**
     * A stage cannot be pointed elsewhere: a traversing name prefix is refused by cleanup as by prepare, and
     * without the runner's job response no stage guesses an identity from job variables; nothing is touched.
     */
    @Test
    void noStageActsOnAGuessedOrForeignName() throws Exception {
        Path config = MockCluster.config(client, dir);
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "2005");
        for (String stage : new String[] {"prepare", "cleanup"}) {
            RunnerEmulator.Result traversal = runner.stage(stage, "--config", config.toString(), "--name-prefix", "../etc");
            assertEquals(2, traversal.exitCode(), stage + ": " + traversal.stderr());
            assertTrue(traversal.stderr().contains("--name-prefix \"../etc\" is not allowed"), traversal.stderr());
        }
        RunnerEmulator.Result noResponse = new RunnerEmulator(dir.resolve("job2"), "2006").withoutHostEnvironment("JOB_RESPONSE_FILE")
                .stage("cleanup", "--config", config.toString());
        assertEquals(2, noResponse.exitCode(), noResponse.stderr());
        assertTrue(noResponse.stderr().contains("JOB_RESPONSE_FILE is not set"), noResponse.stderr());
        assertEquals(0, client.secrets().inNamespace("ci").list().getItems().size(), "no Secret was made");
    }

    /** A job may choose only an image the runner allows; anything else is refused before anything exists. */
    @Test
    void aJobChosenImageOutsideTheAllowListIsRefusedBeforeAnythingIsMade() throws Exception {
        Path config = MockCluster.config(client, dir); // its settings image: quay.io/containerdisks/debian:12
        for (String image : new String[] {"quay.io/attacker/miner:1", "sandboxer-j999-0123456789ab.qcow2"}) {
            RunnerEmulator runner = new RunnerEmulator(dir.resolve("job-" + image.hashCode()), "2007").job("CI_JOB_IMAGE", image);
            RunnerEmulator.Result prepare = runner.stage(prepareArgs(config, MockCluster.freePort()));
            assertEquals(2, prepare.exitCode(), prepare.stderr());
            assertTrue(prepare.stderr().contains("CUSTOM_ENV_CI_JOB_IMAGE \"" + image + "\" is not allowed"), prepare.stderr());
            assertTrue(prepare.stderr().contains("quay.io/containerdisks/debian:12"), "says what is allowed: " + prepare.stderr());
        }
        assertEquals(0, client.secrets().inNamespace("ci").list().getItems().size(), "no Secret was made");
        assertEquals(0, client.resources(VirtualMachineInstance.class).inNamespace("ci").list().getItems().size(), "no VMI was made");
    }

    @Test
    void afterASigkilledPrepareGcRemovesTheExpiredSandboxAndDryRunOnlyReports() throws Exception {
        Path config = MockCluster.config(client, dir);
        String name = MockCluster.name("2006");
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "2006").job("VM_TTL", "1s");
        try (FakeVirtController controller = new FakeVirtController(client, "ci", i -> "127.0.0.1")) {
            Process prepare = startPrepareThatWaits(controller, runner, config, name);
            prepare.destroyForcibly(); // SIGKILL, as the runner sends when SIGTERM was not enough: no chance to clean up
            prepare.waitFor();

            Poll.until("dry-run gc sees the sandbox expired", Duration.ofSeconds(60),
                    () -> unchecked(() -> runner.stage("gc", "--config", config.toString(), "--dry-run")).stdout().contains("would delete sandbox " + name));
            assertNotNull(client.resources(VirtualMachineInstance.class).inNamespace("ci").withName(name).get(), "a dry run deletes nothing");

            RunnerEmulator.Result gc = runner.stage("gc", "--config", config.toString());
            assertEquals(0, gc.exitCode(), gc.stderr());
            assertTrue(gc.stdout().contains("deleted sandbox " + name), gc.stdout());
            Poll.until("the VMI is gone", Duration.ofSeconds(30),
                    () -> client.resources(VirtualMachineInstance.class).inNamespace("ci").withName(name).get() == null);
            Poll.until("its Secret is gone", Duration.ofSeconds(30),
                    () -> client.secrets().inNamespace("ci").withName(name + "-bootstrap").get() == null);
            assertEquals(0, runner.stage("cleanup", "--config", config.toString()).exitCode(), "cleanup after gc finds nothing and succeeds");
        }
    }

    /** Starts a prepare whose VMI never becomes ready, and returns once that VMI exists. */
    private Process startPrepareThatWaits(FakeVirtController controller, RunnerEmulator runner, Path config, String name) throws Exception {
        controller.mode(name, FakeVirtController.Mode.NEVER_READY);
        Process prepare = runner.start(prepareArgs(config, MockCluster.freePort()));
        Poll.until("the VMI exists", Duration.ofSeconds(30),
                () -> client.resources(VirtualMachineInstance.class).inNamespace("ci").withName(name).get() != null);
        return prepare;
    }

    private static <T> T unchecked(Callable<T> call) {
        try {
            return call.call();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
