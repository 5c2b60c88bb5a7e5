package io.sandboxer.it.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sandboxer.it.fleeting.FleetingHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Fleeting plugin for KubeVirt ({@code fleeting-plugin-kubevirt}) with the documented Role's ServiceAccount token,
 * against the real control plane and a real guest from the virt-handler stand-in: one job as GitLab Runner's instance
 * executor runs it (GitLab's fleeting library and taskscaler in it-tests' Go host, the job's script over fleeting's SSH
 * connector to the guest's IP), and nothing left after the runner stops.
 */
class FleetingKubevirtIT {
    private static final Path PLUGIN = Path.of("../adapter-fleeting/target/fleeting-plugin-kubevirt");
    private static final String NAMESPACE = "sbx-it-fleeting";
    @RegisterExtension
    static final KubevirtCluster cluster = new KubevirtCluster(NAMESPACE);

    @BeforeAll
    static void buildPeers() {
        FleetingHost.peers();
    }

    @Test
    void anInstanceExecutorJobRunsOnARealGuestAndNothingIsLeft() throws Exception {
        String prefix = "sbx-it-kv-fleet";
        Path config = Files.writeString(cluster.dir().resolve("plugin_config.json"), cluster.settings(prefix).put("max_size", 1).toString());
        Path log = cluster.dir().resolve("host.log");
        try (FleetingHost runner = FleetingHost.start("jobs", PLUGIN, config, null, log, Duration.ofMinutes(15),
                "-job", "hostname; id -un; echo 'to stderr' >&2; exit 4")) {
            runner.until("taskscaler");
            JsonNode job = runner.until("job");
            runner.until("shutdown");
            runner.awaitCleanExit(log);

            String instance = job.path("instance").asText();
            assertTrue(instance.startsWith(prefix + "-"), instance);
            assertEquals(List.of(instance, "core"), job.path("stdout").asText().lines().toList(), job.toString());
            assertTrue(job.path("stderr").asText().contains("to stderr"), job.toString());
            assertEquals(4, job.path("exit_code").asInt(), "the job's exit code reaches the runner: " + job);
            System.out.printf("instance-executor job on KubeVirt: ask -> ready %.1f s, job done %.1f s%n",
                    job.path("acquire_seconds").asDouble(), job.path("seconds").asDouble());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nhost log:\n" + (Files.exists(log) ? Files.readString(log) : "")
                    + "\nstand-in:\n" + cluster.standInLog(), e);
        }
        cluster.awaitNothingLeft(prefix, Duration.ofMinutes(2));
    }
}
