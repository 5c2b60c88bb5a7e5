package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner parses {@code config}'s stdout as JSON: nothing else may reach it, not even the JVM's own complaints. */
@EnableKubernetesMockClient(crud = true)
class ConfigStageOutputTest {
    KubernetesClient client;
    @TempDir
    Path dir;

    @Test
    void configPrintsOnlyJsonEvenWhenTheJvmHasSomethingToSay() throws Exception {
        Path config = MockCluster.config(client, dir);
        // A broken CDS archive setting on the host: by default the JVM logs that error on stdout.
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "3001")
                .hostEnvironment("JAVA_TOOL_OPTIONS", "-XX:SharedArchiveFile=" + dir.resolve("missing.jsa"));
        RunnerEmulator.Result result = runner.stage("config", "--config", config.toString());
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stderr().contains("missing.jsa"), "the JVM's complaint goes to stderr: " + result.stderr());
        assertEquals("sandboxer", new ObjectMapper().readTree(result.stdout()).at("/driver/name").asText(), result.stdout());
        assertTrue(result.stdout().strip().startsWith("{") && result.stdout().strip().endsWith("}"), result.stdout());
    }

    /**
     * The KubeVirt Go tool's Windows setup passes {@code --shell pwsh} to prepare only ({@code config_args =
     * ["config"]}): config must then leave the shell to the runner's [[runners]] shell instead of claiming bash, or
     * the runner would write bash scripts for a Windows guest. With {@code --shell}, config says it.
     */
    @Test
    void configReportsAShellOnlyWhenToldWhichOne() throws Exception {
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "3002");
        var plain = new ObjectMapper().readTree(runner.stage("config").stdout());
        assertTrue(plain.path("shell").isMissingNode(), "no shell claimed: " + plain);
        assertEquals("/builds", plain.path("builds_dir").asText());
        var pwsh = new ObjectMapper().readTree(runner.stage("config", "--shell", "pwsh").stdout());
        assertEquals("pwsh", pwsh.path("shell").asText());
        assertEquals("C:/builds", pwsh.path("builds_dir").asText());
        assertEquals("bash", new ObjectMapper().readTree(runner.stage("config", "--shell", "bash").stdout()).path("shell").asText());
    }
}
