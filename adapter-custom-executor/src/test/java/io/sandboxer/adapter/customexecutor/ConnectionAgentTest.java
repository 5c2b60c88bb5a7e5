package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.sandboxer.backend.kubevirt.FakeVirtController;
import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstance;
import io.sandboxer.core.testing.Poll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's connection agent, each stage its own process as the runner runs them, on the KubeVirt backend (fabric8
 * mock server, a fake virt-controller) with a real SSH server playing the guest: it serves the run stages, stops the
 * script when its client is killed, stops by itself when the guest is gone or it idles, is found by {@code gc}, and
 * a dead or absent agent never fails a stage.
 */
@EnableKubernetesMockClient(crud = true)
class ConnectionAgentTest {
    KubernetesMockServer server;
    KubernetesClient client;
    @TempDir
    Path dir;

    private record Job(RunnerEmulator runner, Path config, String name, int port) {
        Path agentDir() {
            return runner.agentDirectory().resolve(name);
        }

        RunnerEmulator.Result run(String stage, String script, String... options) throws Exception {
            List<String> args = new ArrayList<>(List.of("run", "--config", config.toString()));
            args.addAll(List.of(options));
            args.addAll(List.of(runner.script(stage, script).toString(), stage));
            return runner.stage(args.toArray(String[]::new));
        }

        Optional<ProcessHandle> agent() throws Exception {
            Path pid = agentDir().resolve("agent.pid");
            return Files.exists(pid) ? ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).filter(ProcessHandle::isAlive) : Optional.empty();
        }
    }

    private Job job(String id) throws Exception {
        return new Job(new RunnerEmulator(dir.resolve("job"), id), MockCluster.config(client, dir), MockCluster.name(id), MockCluster.freePort());
    }

    /** The job's VM on the mock cluster: a fake virt-controller and a real SSH server that "boots" from the job's Secret. */
    private AutoCloseable boot(Job job) {
        FakeVirtController controller = new FakeVirtController(client, "ci", i -> "127.0.0.1");
        GuestEmulator guest = new GuestEmulator(client, "ci", job.name() + "-bootstrap", job.port(),
                job.runner().agentDirectory().resolveSibling("guest-" + job.name()));
        return () -> {
            try (controller) {
                guest.close();
            }
        };
    }

    private RunnerEmulator.Result prepare(Job job, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("prepare", "--config", job.config().toString(), "--shell", "bash", "--ssh-port",
                Integer.toString(job.port())));
        args.addAll(List.of(options));
        RunnerEmulator.Result prepared = job.runner().stage(args.toArray(String[]::new));
        assertEquals(0, prepared.exitCode(), prepared.stderr());
        return prepared;
    }

    /** Starts a build_script that runs {@code marker} (a command line of its own) and returns once it runs in the guest. */
    private static Process startLongScript(Job job, String marker) throws Exception {
        Path script = job.runner().script("build_script", "echo started\nexec " + marker + "\n");
        Process run = job.runner().start("run", "--config", job.config().toString(), script.toString(), "build_script");
        assertEquals("started", new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8)).readLine());
        Poll.until("the remote command runs", Duration.ofSeconds(20), () -> LocalProcesses.running(marker));
        return run;
    }

    @Test
    void theAgentRunsTheScriptsInAPrivateDirectoryAndLogsNoScript() throws Exception {
        Job job = job("3001");
        try (AutoCloseable booted = boot(job)) {
            assertTrue(prepare(job).stderr().contains("connection agent holds the SSH connection"));
            assertTrue(job.agent().isPresent(), "the agent runs after prepare");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(job.runner().agentDirectory())));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(job.agentDir())));
            for (String file : new String[] {"agent.sock", "agent.pid", "agent.log"}) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(job.agentDir().resolve(file),
                        LinkOption.NOFOLLOW_LINKS)), file);
            }

            RunnerEmulator.Result ran = job.run("build_script", "echo SECRET_IN_THE_SCRIPT=1 >/dev/null\necho out\necho err >&2\nexit 5\n");
            assertEquals("out\n", ran.stdout());
            assertTrue(ran.stderr().contains("err"), ran.stderr());
            assertEquals(1, ran.exitCode(), "BUILD_FAILURE_EXIT_CODE: " + ran.stderr());
            assertEquals(5, job.runner().buildExitCode());
            assertFalse(ran.stderr().contains("connecting directly"), ran.stderr());
            String log = Files.readString(job.agentDir().resolve("agent.log"));
            assertTrue(log.contains("running build_script"), log);
            assertFalse(log.contains("SECRET_IN_THE_SCRIPT"), "the agent's log holds no script: " + log);

            ProcessHandle agent = job.agent().orElseThrow();
            assertEquals(0, job.runner().stage("cleanup", "--config", job.config().toString()).exitCode());
            Poll.until("the agent has stopped", Duration.ofSeconds(20), () -> !agent.isAlive());
            assertFalse(Files.exists(job.agentDir()));
        }
    }

    /**
     * cleanup has the agent delete the sandbox through the backend it holds open: cleanup opens none of its own, so
     * here, where cleanup's own settings reach no API server, the VM is still deleted and nothing is left.
     */
    @Test
    void cleanupDeletesTheSandboxThroughTheAgentsOpenBackend() throws Exception {
        Job job = job("3010");
        try (AutoCloseable booted = boot(job)) {
            prepare(job);
            ProcessHandle agent = job.agent().orElseThrow();
            assertTrue(vmiExists(job.name()));
            RunnerEmulator.Result cleanup = job.runner().stage("cleanup", "--config", MockCluster.unreachableConfig(dir).toString());
            assertEquals(0, cleanup.exitCode(), cleanup.stderr());
            assertTrue(cleanup.stderr().contains("stopped the job's connection agent") && cleanup.stderr().contains("deleted sandbox " + job.name()),
                    cleanup.stderr());
            assertFalse(vmiExists(job.name()), "the agent deleted the VM");
            assertFalse(Files.exists(job.agentDir()), "the agent removed its directory before it answered");
            Poll.until("the agent has stopped", Duration.ofSeconds(20), () -> !agent.isAlive());
            RunnerEmulator.Result again = job.runner().stage("cleanup", "--config", job.config().toString());
            assertEquals(0, again.exitCode(), again.stderr());
            assertTrue(again.stderr().contains("nothing to clean up for " + job.name()), "a second cleanup (no agent now) finds nothing: " + again.stderr());
        }
    }

    /**
     * Handed over by the stage client after the agent failed to delete, cleanup does not ask it again: it stops the
     * agent and deletes with its own settings (here unreachable, so it fails, which shows it did not ask the agent).
     */
    @Test
    void cleanupHandedOverAfterTheAgentFailedDeletesWithoutAskingItAgain() throws Exception {
        Job job = job("3011");
        try (AutoCloseable booted = boot(job)) {
            prepare(job);
            ProcessHandle agent = job.agent().orElseThrow();
            RunnerEmulator.Result cleanup = job.runner().hostEnvironment(JobAgent.AGENT_DID_NOT_DELETE, "1")
                    .stage("cleanup", "--config", MockCluster.unreachableConfig(dir).toString());
            assertEquals(2, cleanup.exitCode(), "its own backend is unreachable: " + cleanup.stderr());
            assertTrue(cleanup.stderr().contains("stopped the job's connection agent"), cleanup.stderr());
            assertTrue(vmiExists(job.name()), "the agent was not asked to delete");
            Poll.until("the agent has stopped", Duration.ofSeconds(20), () -> !agent.isAlive());
            assertEquals(0, job.runner().stage("cleanup", "--config", job.config().toString()).exitCode());
            assertFalse(vmiExists(job.name()));
        }
    }

    private boolean vmiExists(String name) {
        return client.resources(VirtualMachineInstance.class).inNamespace("ci").withName(name).get() != null;
    }

    /**
     * The shell of each sub-stage is started ahead, once the previous script has ended (the first once prepare found the
     * guest ready), and serves that one script only: the script's own pid was a waiting shell before its run stage
     * started, and every sub-stage gets another.
     */
    @Test
    void eachScriptRunsInAFreshShellStartedBeforeItsRunStage() throws Exception {
        Job job = job("3009");
        try (AutoCloseable booted = boot(job)) {
            prepare(job);
            List<Long> used = new ArrayList<>();
            for (String stage : List.of("prepare_script", "get_sources", "build_script")) {
                Poll.until("a shell waits for " + stage, Duration.ofSeconds(20), () -> waitingShells().stream().anyMatch(pid -> !used.contains(pid)));
                List<Long> waiting = waitingShells();

                RunnerEmulator.Result ran = job.run(stage, "echo $$\n");

                assertEquals(0, ran.exitCode(), ran.stderr());
                long shell = Long.parseLong(ran.stdout().strip());
                assertTrue(waiting.contains(shell), stage + " ran in shell " + shell + ", not one of those waiting before it: " + waiting);
                assertFalse(used.contains(shell), stage + " ran in an earlier sub-stage's shell");
                used.add(shell);
            }
            assertEquals(0, job.runner().stage("cleanup", "--config", job.config().toString()).exitCode());
            Poll.until("no shell is left waiting", Duration.ofSeconds(20), () -> waitingShells().isEmpty());
        }
    }

    /** The guest's bash processes: the emulated guest's SSH server runs its commands as this JVM's descendants. */
    private static List<Long> waitingShells() {
        return ProcessHandle.current().descendants().filter(p -> p.info().command().orElse("").endsWith("/bash"))
                .map(ProcessHandle::pid).toList();
    }

    @Test
    void aSigkilledRunStageMakesTheAgentStopItsScript() throws Exception {
        Job job = job("3002");
        try (AutoCloseable booted = boot(job)) {
            prepare(job);
            String marker = "sleep 4322." + System.nanoTime() % 1000;
            Process run = startLongScript(job, marker);

            run.destroyForcibly(); // SIGKILL: the stage cannot say anything; its socket closes
            assertTrue(run.waitFor(10, TimeUnit.SECONDS));
            Poll.until("the remote command is gone", Duration.ofSeconds(20), () -> !LocalProcesses.running(marker));
            assertTrue(job.agent().isPresent(), "the agent serves on");
            RunnerEmulator.Result next = job.run("after_script", "echo after\n");
            assertEquals("after\n", next.stdout(), next.stderr());
            assertEquals(0, job.runner().stage("cleanup", "--config", job.config().toString()).exitCode());
        }
    }

    @Test
    void sigtermOnARunStageThroughTheAgentStopsTheRemoteScript() throws Exception {
        Job job = job("3003");
        try (AutoCloseable booted = boot(job)) {
            prepare(job);
            String marker = "sleep 4323." + System.nanoTime() % 1000;
            Process run = startLongScript(job, marker);

            LocalProcesses.sigterm(run);
            assertTrue(run.waitFor(30, TimeUnit.SECONDS), "run exits promptly after SIGTERM");
            String stderr = new String(run.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(2, run.exitValue(), "SYSTEM_FAILURE_EXIT_CODE: " + stderr);
            assertTrue(stderr.contains("cancelled"), stderr);
            Poll.until("the remote command is gone (run said: " + stderr.strip() + ")", Duration.ofSeconds(20), () -> !LocalProcesses.running(marker));
            assertEquals(0, job.runner().stage("cleanup", "--config", job.config().toString()).exitCode());
        }
    }

    @Test
    void aDeadAgentMeansTheRunStageConnectsItselfWithAWarning() throws Exception {
        Job job = job("3004");
        try (AutoCloseable booted = boot(job)) {
            prepare(job);
            ProcessHandle agent = job.agent().orElseThrow();
            agent.destroyForcibly();
            Poll.until("the agent is dead", Duration.ofSeconds(10), () -> !agent.isAlive());

            RunnerEmulator.Result ran = job.run("build_script", "echo still-runs\n");
            assertEquals(0, ran.exitCode(), ran.stderr());
            assertEquals("still-runs\n", ran.stdout());
            assertTrue(ran.stderr().contains("warning: the job's connection agent is not running"), ran.stderr());
            assertTrue(ran.stderr().contains("connecting directly"), ran.stderr());

            RunnerEmulator.Result gc = job.runner().stage("gc", "--config", job.config().toString(), "--orphan-grace", "0s");
            assertTrue(gc.stdout().contains("deleted connection agent of " + job.name()), gc.stdout() + gc.stderr());
            assertFalse(Files.exists(job.agentDir()), "gc removed the dead agent's directory");
            assertEquals(0, job.runner().stage("cleanup", "--config", job.config().toString()).exitCode());
        }
    }

    @Test
    void theAgentStopsByItselfWhenTheGuestIsGoneOrItIdles() throws Exception {
        Job gone = job("3005");
        try (FakeVirtController controller = new FakeVirtController(client, "ci", i -> "127.0.0.1")) {
            GuestEmulator guest = new GuestEmulator(client, "ci", gone.name() + "-bootstrap", gone.port(), dir.resolve("guest"));
            prepare(gone);
            ProcessHandle agent = gone.agent().orElseThrow();
            guest.close(); // the VM is gone: its SSH server with it
            Poll.until("the agent stops when its guest is gone", Duration.ofSeconds(60), () -> !agent.isAlive());
            assertTrue(Files.readString(gone.agentDir().resolve("agent.log")).contains("SSH connection to the guest was lost"));
            assertEquals(0, gone.runner().stage("cleanup", "--config", gone.config().toString()).exitCode());
        }
        Job idle = new Job(new RunnerEmulator(dir.resolve("job-idle"), "3006"), MockCluster.config(client, dir), MockCluster.name("3006"),
                MockCluster.freePort());
        try (AutoCloseable booted = boot(idle)) {
            prepare(idle, "--agent-idle-timeout", "1s");
            ProcessHandle agent = idle.agent().orElseThrow();
            Poll.until("the idle agent stops", Duration.ofSeconds(30), () -> !agent.isAlive());
            assertTrue(Files.readString(idle.agentDir().resolve("agent.log")).contains("idle for"));
            assertEquals(0, idle.runner().stage("cleanup", "--config", idle.config().toString()).exitCode());
        }
    }

    /**
     * The agent is no child of prepare (so prepare's JVM exits without waiting on it) but stays tied to it: a prepare
     * killed while its sandbox exists and has no address yet takes the waiting agent with it, instead of leaving it to
     * wait out its timeout.
     */
    @Test
    void anAgentStopsWhenItsPrepareIsKilledBeforeItWasReady() throws Exception {
        Job job = job("3009");
        // No virt-controller: the VMI is made and never gets an address, so the agent has had its "go" and waits.
        Process prepare = job.runner().start("prepare", "--config", job.config().toString(), "--shell", "bash", "--ssh-port",
                Integer.toString(job.port()));
        String agentCommandLine = "agent --sandbox " + job.name();
        Poll.until("the agent runs", Duration.ofSeconds(30), () -> LocalProcesses.running(agentCommandLine));
        Path log = job.agentDir().resolve("agent.log");
        Poll.until("the agent knows the sandbox exists", Duration.ofSeconds(30),
                () -> readIfThere(log).contains(job.name() + " exists; waiting"));
        assertTrue(ProcessHandle.current().descendants().noneMatch(p -> p.info().commandLine().orElse("").contains(agentCommandLine)),
                "the agent is not a child of prepare (nor of anything this test started)");
        prepare.destroyForcibly();
        Poll.until("the agent stops with its prepare", Duration.ofSeconds(20), () -> !LocalProcesses.running(agentCommandLine));
        assertTrue(Files.readString(log).contains("prepare ended before this agent was ready"), Files.readString(log));
        assertEquals(0, job.runner().stage("cleanup", "--config", job.config().toString()).exitCode());
        assertFalse(Files.exists(job.agentDir()), "cleanup removed the agent's directory");
    }

    private static String readIfThere(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void withoutTheAgentNothingIsStartedAndRunStagesConnectQuietly() throws Exception {
        Job job = job("3007");
        try (AutoCloseable booted = boot(job)) {
            assertFalse(prepare(job, "--no-connection-agent").stderr().contains("connection agent"));
            assertFalse(Files.exists(job.agentDir()));
            RunnerEmulator.Result ran = job.run("build_script", "echo direct\n", "--no-connection-agent");
            assertEquals("direct\n", ran.stdout(), ran.stderr());
            assertFalse(ran.stderr().contains("warning"), ran.stderr());
            assertEquals(0, job.runner().stage("cleanup", "--config", job.config().toString()).exitCode());
        }
    }

    @Test
    void anotherUserIsRefusedEvenWhereTheSocketIsReachable() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv"))
                && Files.isExecutable(Path.of("/usr/bin/python3")), "needs root, setpriv and python3 to act as another user");
        Job job = job("3008");
        try (AutoCloseable booted = boot(job)) {
            prepare(job);
            // Open the way on purpose (an operator's mistake): the agent's own check must still refuse the stranger.
            for (Path p = job.agentDir(); !p.equals(p.getRoot()); p = p.getParent()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
            }
            Files.setPosixFilePermissions(job.agentDir().resolve("agent.sock"), PosixFilePermissions.fromString("rw-rw-rw-"));
            String marker = "stranger-ran-" + System.nanoTime();
            // The agent may hang up while the stranger is still sending: a broken pipe is as much a refusal as an empty read.
            String client = "import socket,struct,sys\ns=socket.socket(socket.AF_UNIX)\ns.connect(sys.argv[1])\n"
                    + "def f(t,b): s.sendall(t+struct.pack('>i',len(b))+b)\n"
                    + "try:\n  f(b'R',b'build_script')\n  f(b'S',b'touch /tmp/" + marker + "\\n')\n"
                    + "  print('answered' if s.recv(100) else 'closed')\nexcept (ConnectionResetError, BrokenPipeError):\n  print('closed')\n";
            Process stranger = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c",
                    client, job.agentDir().resolve("agent.sock").toString()).redirectErrorStream(true).start();
            String said = new String(stranger.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            stranger.waitFor();
            assertEquals("closed", said.strip(), "the agent hung up without an answer");
            assertFalse(Files.exists(Path.of("/tmp", marker)), "the stranger's script did not run");
            assertTrue(Files.readString(job.agentDir().resolve("agent.log")).contains("refused a connection from user"));
            assertEquals(0, job.runner().stage("cleanup", "--config", job.config().toString()).exitCode());
        }
    }
}
