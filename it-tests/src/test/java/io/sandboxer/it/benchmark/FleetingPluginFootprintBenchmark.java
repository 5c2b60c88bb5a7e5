package io.sandboxer.it.benchmark;

import com.fasterxml.jackson.databind.JsonNode;
import io.sandboxer.core.testing.TestResources;
import io.sandboxer.it.fleeting.FleetingHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Fleeting plugin's footprint as GitLab Runner uses it, driven by GitLab's fleeting library (the Go host's
 * {@code scale} scenario) on libvirt's test driver: start + Init, then 100 instances that stay booting (the test
 * driver's loopback addresses never accept the SSH probe) under an Update every 3 s, then Decrease and idle Updates.
 * The plugin's resident memory (VmRSS) and CPU time come from /proc at each step.
 */
class FleetingPluginFootprintBenchmark {
    /** The build directory's plugin, or {@code SANDBOXER_BENCHMARK_PLUGIN} (an unpacked release's bin/fleeting-plugin-libvirt). */
    private static final Path PLUGIN = Path.of(Optional.ofNullable(System.getenv("SANDBOXER_BENCHMARK_PLUGIN"))
            .orElse("../adapter-fleeting/target/fleeting-plugin-libvirt"));
    private static final int INSTANCES = 100;
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux
    @TempDir
    Path dir;

    /** What one run of the scale scenario saw. */
    private record Footprint(long startAndInit, long readyRss, List<Long> steadyRss, List<Long> idleRss, List<Long> updateMs, double cpuShare) {
    }

    @Test
    void hundredBootingInstancesUnderSteadyUpdates() throws Exception {
        Footprint run = scale(INSTANCES, dir.resolve("hundred"));
        // The same calls with one instance: what the plugin holds anyway once it has served that long (its JIT code, a
        // heap whose pages were all touched), so the difference after Decrease is what the instances left behind.
        Footprint one = scale(1, dir.resolve("one"));
        BenchmarkReport.row("Fleeting plugin (test driver)", "start + Init, as fleeting.RunPlugin and Init see it", run.startAndInit() + " ms");
        BenchmarkReport.row("Fleeting plugin (test driver)", "RSS after Init", mib(run.readyRss()));
        BenchmarkReport.row("Fleeting plugin (test driver)", INSTANCES + " booting instances, an Update every 3 s: RSS max / last",
                mib(max(run.steadyRss())) + " / " + mib(run.steadyRss().getLast()));
        BenchmarkReport.row("Fleeting plugin (test driver)", INSTANCES + " booting instances: CPU (share of one core) and Update time",
                String.format(Locale.ROOT, "%.1f %% of a core; Update median %d ms", run.cpuShare() * 100, median(run.updateMs())));
        BenchmarkReport.row("Fleeting plugin (test driver)", "after Decrease of all, idle Updates: RSS first / last",
                mib(run.idleRss().getFirst()) + " / " + mib(run.idleRss().getLast()));
        BenchmarkReport.row("Fleeting plugin (test driver)", "the same calls with 1 instance: RSS after Decrease, idle Updates (last)",
                mib(one.idleRss().getLast()));
    }

    private Footprint scale(int instances, Path dir) throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Path config = Files.writeString(dir.resolve("plugin.json"), """
                {"uri": "test://%s", "pool_name": "pool", "base_volume_name": "base.qcow2", "network_name": "default",
                 "state_dir": "%s", "max_size": %d, "vcpu_count": 1, "memory_mib": 512, "domain_type": "qemu", "address_source": "auto"}
                """.formatted(TestResources.path("/libvirt/test-node.xml"), state, instances));
        Path log = dir.resolve("host.log");
        List<Long> steadyRss = new ArrayList<>();
        List<Long> idleRss = new ArrayList<>();
        List<Long> updateMs = new ArrayList<>();
        long steadyCpuStart = -1;
        long steadyCpuEnd = -1;
        long steadyWallStart = 0;
        long steadyWallEnd = 0;
        long readyRss;
        long startAndInit;
        try (FleetingHost host = FleetingHost.start("scale", PLUGIN, config, TestResources.path("/keys/openssh_ed25519"), log,
                Duration.ofMinutes(10), "-instances", Integer.toString(instances), "-rounds", "20", "-every", "3s")) {
            JsonNode ready = host.until("ready");
            startAndInit = ready.path("start_and_init_ms").asLong();
            ProcessHandle plugin = host.plugins().getFirst();
            readyRss = rssKib(plugin);
            for (JsonNode step = host.until("steady"); ; step = host.until("steady")) {
                steadyRss.add(rssKib(plugin));
                updateMs.add(step.path("update_ms").asLong());
                if (steadyCpuStart < 0) {
                    steadyCpuStart = cpuTicks(plugin);
                    steadyWallStart = System.nanoTime();
                }
                if (step.path("round").asInt() == 19) {
                    steadyCpuEnd = cpuTicks(plugin);
                    steadyWallEnd = System.nanoTime();
                    break;
                }
            }
            for (JsonNode step = host.until("idle"); ; step = host.until("idle")) {
                idleRss.add(rssKib(plugin));
                if (step.path("round").asInt() == 19) {
                    break;
                }
            }
            host.awaitCleanExit(log);
        }
        double cpuShare = (steadyCpuEnd - steadyCpuStart) / (double) CLOCK_TICKS / ((steadyWallEnd - steadyWallStart) / 1e9);
        return new Footprint(startAndInit, readyRss, steadyRss, idleRss, updateMs, cpuShare);
    }

    private static long rssKib(ProcessHandle process) throws IOException {
        Matcher m = Pattern.compile("VmRSS:\\s+(\\d+) kB").matcher(Files.readString(Path.of("/proc", Long.toString(process.pid()), "status")));
        if (!m.find()) {
            throw new IllegalStateException("no VmRSS for " + process.pid());
        }
        return Long.parseLong(m.group(1));
    }

    /** utime + stime of the process, in clock ticks (/proc/PID/stat fields 14 and 15, after the command in parentheses). */
    private static long cpuTicks(ProcessHandle process) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static String mib(long kib) {
        return (kib / 1024) + " MiB";
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
