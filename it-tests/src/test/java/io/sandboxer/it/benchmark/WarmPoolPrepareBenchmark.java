package io.sandboxer.it.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sandboxer.adapter.customexecutor.RunnerEmulator;
import io.sandboxer.core.testing.Poll;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prepare} with a warm pool against a cold create: the same image, sizes and settings (an Ignition guest), one
 * process per stage through the built launcher, alternating cold and warm in the same run so the machine's drift hits
 * both alike. Before each measured prepare nothing else boots: the cold one meets an empty pool, the warm one a full
 * pool of one whose fill has ended. The wall time of the stage process is what the runner waits for.
 */
class WarmPoolPrepareBenchmark {
    private static final int ROUNDS = 3;
    private static final Path STATE = Path.of("/var/lib/sandboxer/bench-pool");
    @TempDir
    Path dir;

    @Test
    void prepareWithAWarmPoolAgainstACreateCold() throws Exception {
        LibvirtHost host = LibvirtHost.prepareWith(STATE);
        String prefix = "pbench" + Long.toString(System.nanoTime() % 100_000, 36);
        ObjectNode cold = host.settings("sbx-bench-pool", STATE, " cloud-init=disabled").put("provider", "libvirt")
                .put("bootstrap_format", "ignition").put("bootstrap_delivery", "file");
        ObjectNode warm = cold.deepCopy();
        warm.putObject("pool").put("size", 1).put("boot_timeout", "10m");
        Path coldConfig = dir.resolve("cold.json");
        Path warmConfig = dir.resolve("warm.json");
        Files.writeString(coldConfig, cold.toString());
        Files.writeString(warmConfig, warm.toString());
        Path agents = dir.resolve("driver");
        RunnerEmulator operator = RunnerEmulator.withLauncher(LibvirtHost.SANDBOXER, dir.resolve("op"), "1")
                .hostEnvironment("SANDBOXER_AGENT_DIR", agents.toString());

        List<Duration> colds = new ArrayList<>();
        List<Duration> warms = new ArrayList<>();
        try {
            for (int round = 0; round < ROUNDS; round++) {
                colds.add(prepareAndCleanup(host, prefix, coldConfig, agents, "cold-" + round, false));
                RunnerEmulator.Result fill = operator.stage(Duration.ofMinutes(10), "pool", "fill", "--config", warmConfig.toString(), "--name-prefix", prefix);
                assertEquals(0, fill.exitCode(), fill.stderr());
                warms.add(prepareAndCleanup(host, prefix, warmConfig, agents, "warm-" + round, true));
                awaitNoFill(prefix);
                operator.stage("pool", "drain", "--config", warmConfig.toString(), "--name-prefix", prefix);
            }
        } finally {
            awaitNoFill(prefix);
            operator.stage("pool", "drain", "--config", warmConfig.toString(), "--name-prefix", prefix);
        }
        BenchmarkReport.row("warm pool", "prepare, cold create (Ignition guest, domain type auto)", BenchmarkReport.summary(colds));
        BenchmarkReport.row("warm pool", "prepare, claimed from a warm pool", BenchmarkReport.summary(warms));
        BenchmarkReport.row("warm pool", "ratio cold / warm (medians)", String.format("%.1f",
                (double) BenchmarkReport.median(colds).toNanos() / BenchmarkReport.median(warms).toNanos()));
    }

    private static Duration prepareAndCleanup(LibvirtHost host, String prefix, Path config, Path agents, String name, boolean expectClaim)
            throws Exception {
        RunnerEmulator job = RunnerEmulator.withLauncher(LibvirtHost.SANDBOXER, Files.createDirectories(Path.of(config.getParent().toString(), name)),
                Long.toString(850_000 + System.nanoTime() % 10_000)).hostEnvironment("SANDBOXER_AGENT_DIR", agents.toString());
        long start = System.nanoTime();
        RunnerEmulator.Result prepare = job.stage(Duration.ofMinutes(10), "prepare", "--config", config.toString(), "--name-prefix", prefix);
        Duration took = BenchmarkReport.since(start);
        try {
            assertEquals(0, prepare.exitCode(), prepare.stderr());
            assertEquals(expectClaim, prepare.stderr().contains("claimed the pooled sandbox"), prepare.stderr());
        } finally {
            RunnerEmulator.Result cleanup = job.stage("cleanup", "--config", config.toString(), "--name-prefix", prefix);
            assertTrue(cleanup.exitCode() == 0, cleanup.stderr());
        }
        System.out.printf("%s prepare: %d ms%n", name, took.toMillis());
        return took;
    }

    private static void awaitNoFill(String prefix) {
        Poll.until("no fill of " + prefix + " runs", Duration.ofMinutes(10), () -> LibvirtHost.run("sh", "-c",
                "pgrep -f -- '[p]ool fill --name-prefix " + prefix + " ' || true").isBlank());
    }
}
