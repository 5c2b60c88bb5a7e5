package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.sandboxer.backend.kubevirt.FakeVirtController;
import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstance;
import io.sandboxer.core.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm pool through the driver on the KubeVirt backend (fabric8 mock API server, a fake virt-controller, a real SSH
 * server playing the member's guest): {@code pool fill}, a job's {@code prepare} claiming the member, its {@code run}
 * and {@code cleanup} reaching it by the job's name, and {@code drain}.
 */
@EnableKubernetesMockClient(crud = true)
class WarmPoolOnKubevirtTest {
    private static final Pattern CLAIMED = Pattern.compile("claimed the pooled sandbox (\\S+) for");
    KubernetesMockServer server;
    KubernetesClient client;
    @TempDir
    Path dir;

    @Test
    void aJobClaimsTheMemberAPoolFillMadeAndItsStagesReachItByTheJobsName() throws Exception {
        int sshPort = MockCluster.freePort();
        Path base = MockCluster.config(client, dir);
        ObjectNode settings = (ObjectNode) new ObjectMapper().readTree(Files.readString(base));
        settings.putObject("pool").put("size", 1).put("ssh_port", sshPort).put("boot_timeout", "10s");
        Path config = dir.resolve("pool.json");
        Files.writeString(config, settings.toString());
        String prefix = "kpool";
        RunnerEmulator operator = new RunnerEmulator(dir.resolve("op"), "1");
        RunnerEmulator job = new RunnerEmulator(dir.resolve("job"), "3001").hostEnvironment("SANDBOXER_AGENT_DIR", operator.agentDirectory().toString());

        try (FakeVirtController controller = new FakeVirtController(client, "ci", i -> "127.0.0.1");
                GuestEmulator guest = new GuestEmulator(client, "ci", name -> name.startsWith(prefix + "-p"), sshPort, dir.resolve("guest"))) {
            RunnerEmulator.Result fill = operator.stage(Duration.ofMinutes(2), "pool", "fill", "--config", config.toString(), "--name-prefix", prefix);
            assertEquals(0, fill.exitCode(), fill.stderr());
            assertTrue(fill.stderr().contains("pool: 1 ready of 1"), fill.stderr());

            RunnerEmulator.Result prepare = job.stage(Duration.ofMinutes(2), "prepare", "--config", config.toString(), "--name-prefix", prefix,
                    "--ssh-port", Integer.toString(sshPort));
            assertEquals(0, prepare.exitCode(), prepare.stderr());
            Matcher claimed = CLAIMED.matcher(prepare.stderr());
            assertTrue(claimed.find(), prepare.stderr());
            String member = claimed.group(1);
            String jobName = new JobIdentity("", "42", "3001").sandboxName(prefix);
            VirtualMachineInstance vmi = client.resources(VirtualMachineInstance.class).inNamespace("ci").withName(member).get();
            assertEquals(jobName, vmi.getMetadata().getLabels().get("sandboxer.io/claimed-by"), "the claim is the VMI's label");
            assertEquals("3001", vmi.getMetadata().getLabels().get("sandboxer.io/job-id"));

            RunnerEmulator.Result run = job.stage("run", "--config", config.toString(), "--name-prefix", prefix,
                    job.script("build_script", "echo on-the-member\n").toString(), "build_script");
            assertEquals(0, run.exitCode(), run.stderr());
            assertEquals("on-the-member\n", run.stdout());

            RunnerEmulator.Result cleanup = job.stage("cleanup", "--config", config.toString(), "--name-prefix", prefix);
            assertEquals(0, cleanup.exitCode(), cleanup.stderr());
            assertNull(client.resources(VirtualMachineInstance.class).inNamespace("ci").withName(member).get(), "cleanup deleted the member");
            assertNull(client.secrets().inNamespace("ci").withName(member + "-bootstrap").get());

            // The refill prepare started makes a member no emulated guest answers: after boot_timeout it deletes it and ends.
            Poll.until("the background refill ends", Duration.ofSeconds(90), () -> {
                try {
                    String log = Files.readString(operator.agentDirectory().resolve("pool-" + prefix + ".log"));
                    return log.contains("pool: ");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            RunnerEmulator.Result drain = operator.stage("pool", "drain", "--config", config.toString(), "--name-prefix", prefix);
            assertEquals(0, drain.exitCode(), drain.stderr());
            assertEquals(0, client.resources(VirtualMachineInstance.class).inNamespace("ci").list().getItems().size(), "nothing is left");
        }
    }
}
