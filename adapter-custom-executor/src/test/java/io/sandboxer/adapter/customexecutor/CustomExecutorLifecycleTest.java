package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.sandboxer.backend.kubevirt.FakeVirtController;
import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstance;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole job through the driver, one process per stage as GitLab Runner runs it, on the KubeVirt backend (fabric8
 * mock server and a fake virt-controller) with a real SSH server playing the booted guest. The KubeVirt Go tool's
 * documented prepare invocation is used unchanged.
 */
@EnableKubernetesMockClient(crud = true)
class CustomExecutorLifecycleTest {
    KubernetesMockServer server;
    KubernetesClient client;
    @TempDir
    Path dir;

    @Test
    void aJobFromConfigToCleanup() throws Exception {
        int sshPort;
        try (ServerSocket free = new ServerSocket(0)) {
            sshPort = free.getLocalPort();
        }
        Path config = MockCluster.config(client, dir);
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "1001");
        String name = MockCluster.name("1001");

        try (FakeVirtController controller = new FakeVirtController(client, "ci", i -> "127.0.0.1");
                GuestEmulator guest = new GuestEmulator(client, "ci", name + "-bootstrap", sshPort, dir.resolve("guest"))) {

            RunnerEmulator.Result configStage = runner.stage("config", "--config", config.toString());
            assertEquals(0, configStage.exitCode(), configStage.stderr());
            JsonNode json = new ObjectMapper().readTree(configStage.stdout()); // stdout is one JSON object, nothing else
            assertEquals(name, json.path("hostname").asText());
            assertEquals("/builds", json.path("builds_dir").asText());
            assertFalse(json.path("builds_dir_is_shared").asBoolean());
            assertEquals("sandboxer", json.at("/driver/name").asText());

            RunnerEmulator.Result prepare = runner.stage("prepare", "--config", config.toString(), "--namespace", "ci", "--shell", "bash",
                    "--default-image", "quay.io/containerdisks/debian:12", "--default-machine-type", "q35", "--default-architecture", "amd64",
                    "--ssh-user", "runner", "--ssh-port", Integer.toString(sshPort));
            assertEquals(0, prepare.exitCode(), prepare.stderr());
            assertTrue(prepare.stderr().contains("is ready: SSH login as runner works"), prepare.stderr());
            assertTrue(prepare.stderr().contains("the job's connection agent holds the SSH connection"), prepare.stderr());
            VirtualMachineInstance vmi = client.resources(VirtualMachineInstance.class).inNamespace("ci").withName(name).get();
            assertEquals("q35", vmi.getSpec().getDomain().getMachine().getType());

            Path build = runner.script("build_script", "echo to-stdout\necho to-stderr >&2\nuname -s\n");
            RunnerEmulator.Result ok = runner.stage("run", "--config", config.toString(), build.toString(), "build_script");
            assertEquals(0, ok.exitCode(), ok.stderr());
            assertEquals("to-stdout\nLinux\n", ok.stdout());
            assertTrue(ok.stderr().contains("to-stderr"));
            assertFalse(ok.stderr().contains("connecting directly"), "the agent ran it: " + ok.stderr());
            assertEquals(0, runner.buildExitCode());

            Path failing = runner.script("step_script", "echo failing\nexit 3\n");
            RunnerEmulator.Result failed = runner.stage("run", "--config", config.toString(), failing.toString(), "step_script");
            assertEquals(1, failed.exitCode(), "BUILD_FAILURE_EXIT_CODE: " + failed.stderr());
            assertEquals(3, runner.buildExitCode(), "the script's own status for allow_failure: exit_codes");

            for (String stage : new String[] {"prepare_script", "get_sources", "clear_worktree", "step_release", "after_script", "some_future_stage"}) {
                Path s = runner.script(stage, "echo " + stage + "\n");
                RunnerEmulator.Result r = runner.stage("run", "--config", config.toString(), s.toString(), stage);
                assertEquals(0, r.exitCode(), stage + ": " + r.stderr());
                assertEquals(stage + "\n", r.stdout());
            }

            RunnerEmulator.Result cleanup = runner.stage("cleanup", "--config", config.toString());
            assertEquals(0, cleanup.exitCode(), cleanup.stderr());
            assertTrue(cleanup.stderr().contains("stopped the job's connection agent"), cleanup.stderr());
            assertFalse(Files.exists(runner.agentDirectory().resolve(name)), "the agent's directory is gone");
            assertNull(client.resources(VirtualMachineInstance.class).inNamespace("ci").withName(name).get());
            assertNull(client.secrets().inNamespace("ci").withName(name + "-bootstrap").get());
            RunnerEmulator.Result again = runner.stage("cleanup", "--config", config.toString());
            assertEquals(0, again.exitCode(), "cleanup is idempotent: " + again.stderr());
            assertTrue(again.stderr().contains("nothing to clean up"));

            RunnerEmulator.Result gone = runner.stage("run", "--config", config.toString(), build.toString(), "build_script");
            assertEquals(2, gone.exitCode(), "SYSTEM_FAILURE_EXIT_CODE when the sandbox is gone: " + gone.stderr());
            for (RunnerEmulator.Result r : new RunnerEmulator.Result[] {prepare, ok, failed, cleanup}) {
                assertFalse(r.stdout().contains("PRIVATE KEY") || r.stderr().contains("PRIVATE KEY"), "no key material in the job log");
                assertFalse(r.stderr().contains("job-token-never-logged"));
            }
        }
    }

    @Test
    void aWindowsJobUploadsItsScriptAndRunsItWithPwsh() throws Exception {
        int sshPort = MockCluster.freePort();
        Path config = MockCluster.config(client, dir);
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "1002");
        String name = MockCluster.name("1002");
        try (FakeVirtController controller = new FakeVirtController(client, "ci", i -> "127.0.0.1");
                GuestEmulator guest = new GuestEmulator(client, "ci", name + "-bootstrap", sshPort, dir.resolve("guest"))) {
            RunnerEmulator.Result configStage = runner.stage("config", "--config", config.toString(), "--shell", "pwsh");
            assertEquals("C:/builds", new ObjectMapper().readTree(configStage.stdout()).path("builds_dir").asText(), configStage.stderr());

            RunnerEmulator.Result prepare = runner.stage(Duration.ofMinutes(2), "prepare", "--config", config.toString(), "--namespace", "ci",
                    "--shell", "pwsh", "--default-image", "registry.example/windows:2022", "--ssh-user", "runner", "--ssh-port", Integer.toString(sshPort),
                    "--timeout", "90s");
            assertEquals(0, prepare.exitCode(), prepare.stderr());
            assertTrue(prepare.stderr().contains("is ready: SSH login as runner works"), prepare.stderr());

            // The guest's pwsh stand-in runs the uploaded file with sh: what is under test is upload, invocation, output, status.
            Path script = runner.script("build_script", "echo from-the-uploaded-script\necho on-stderr >&2\nexit 4\n");
            RunnerEmulator.Result run = runner.stage("run", "--config", config.toString(), script.toString(), "build_script");
            assertEquals("from-the-uploaded-script\n", run.stdout(), run.stderr());
            assertTrue(run.stderr().contains("on-stderr"), run.stderr());
            assertEquals(1, run.exitCode(), "BUILD_FAILURE_EXIT_CODE: " + run.stderr());
            assertEquals(4, runner.buildExitCode());
            assertEquals(Files.readString(script), Files.readString(dir.resolve("guest/sftp/sandboxer-build_script.ps1")),
                    "the script was uploaded to the user's home, unchanged");

            assertEquals(0, runner.stage("cleanup", "--config", config.toString()).exitCode());
            assertNull(client.secrets().inNamespace("ci").withName(name + "-bootstrap").get());
        }
    }

    @Test
    void theIdentityIsDeterministicAndDistinct() {
        var a = new JobIdentity("", "42", "1001");
        assertEquals(a.sandboxName("sandboxer"), new JobIdentity("", "42", "1001").sandboxName("sandboxer"));
        assertFalse(a.sandboxName("sandboxer").equals(new JobIdentity("other-instance", "42", "1001").sandboxName("sandboxer")));
        String shifted = new JobIdentity("4", "21", "1").sandboxName("x");
        String unshifted = new JobIdentity("42", "1", "1").sandboxName("x");
        assertFalse(shifted.equals(unshifted), "length-prefixed parts cannot collide by shifting digits: " + shifted);
        assertTrue(a.sandboxName("sandboxer").matches("^sandboxer-j1001-[0-9a-f]{12}$"), a.sandboxName("sandboxer"));
    }
}
