package io.sandboxer.it.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import io.sandboxer.core.testing.TestResources;
import io.sandboxer.it.fleeting.FleetingHost;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One instance-executor style job through the built {@code fleeting-plugin-libvirt}, driven as GitLab Runner
 * drives it (fleeting.RunPlugin, taskscaler with capacity_per_instance = 1, max_use_count = 1, idle_count = 0,
 * delete_instances_on_shutdown; the job's script over fleeting's SSH connector): plugin start and Init, the runner
 * asks for a slot until the VM is ready (SSH login works), the job runs, the VM is gone. Real libvirtd, the
 * Debian test image bootstrapped by Ignition.
 */
class FleetingJobBenchmark {
    private static final int RUNS = 3;
    private static final Path PLUGIN = Path.of("../adapter-fleeting/target/fleeting-plugin-libvirt");

    @Test
    void oneJobFromAskToVmGone() throws Exception {
        LibvirtHost host = LibvirtHost.prepare();
        FleetingHost.peers();
        String prefix = "sbx-bench-fleet";
        Path work = Files.createTempDirectory(prefix);
        Path config = Files.writeString(work.resolve("plugin_config.json"), host.settings(prefix, Path.of("/var/lib/sandboxer/bench-state", prefix),
                " cloud-init=disabled").put("domain_prefix", prefix).put("max_size", 1).toString());
        List<Duration> init = new ArrayList<>();
        List<Duration> ready = new ArrayList<>();
        List<Duration> job = new ArrayList<>();
        List<Duration> gone = new ArrayList<>();
        List<Duration> wall = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            long started = System.nanoTime();
            try (FleetingHost runner = FleetingHost.start("jobs", PLUGIN, config, TestResources.path("/keys/openssh_ed25519"),
                    work.resolve("host-" + i + ".log"), Duration.ofMinutes(10), "-job", "uname -r")) {
                runner.until("taskscaler");
                init.add(BenchmarkReport.since(started));
                JsonNode done = runner.until("job");
                JsonNode shutdown = runner.until("shutdown");
                runner.awaitCleanExit(work.resolve("host-" + i + ".log"));
                wall.add(BenchmarkReport.since(started));
                ready.add(seconds(done.path("acquire_seconds").asDouble()));
                job.add(seconds(done.path("seconds").asDouble() - done.path("acquire_seconds").asDouble()));
                gone.add(seconds(shutdown.path("seconds").asDouble()));
            }
        }
        BenchmarkReport.row("fleeting job", "plugin start + Init + taskscaler ready", BenchmarkReport.summary(init));
        BenchmarkReport.row("fleeting job", "runner asks -> VM ready (Reserve + Acquire: create, boot, SSH login)", BenchmarkReport.summary(ready));
        BenchmarkReport.row("fleeting job", "job done (ConnectInfo + script over fleeting's SSH connector)", BenchmarkReport.summary(job));
        BenchmarkReport.row("fleeting job", "VM gone (Release, Decrease, Shutdown waits for the deletion)", BenchmarkReport.summary(gone));
        BenchmarkReport.row("fleeting job", "whole job, host start to plugin exit", BenchmarkReport.summary(wall));
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }
}
