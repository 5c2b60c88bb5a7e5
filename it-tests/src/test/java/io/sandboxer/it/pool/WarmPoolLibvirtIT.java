package io.sandboxer.it.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.adapter.customexecutor.RunnerEmulator;
import io.sandboxer.core.testing.Poll;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm pool on a real libvirtd + QEMU, driven through the built {@code sandboxer} launcher one process per stage as
 * GitLab Runner runs it: a pool of two serves two jobs started at the same moment, each on its own VM, and refills by
 * itself; a SIGKILL while a refill waits for its member, and one while a prepare holds its fresh claim, leave nothing
 * once the runner's cleanup and {@code gc} have run.
 */
class WarmPoolLibvirtIT {
    private static final Path LAUNCHER = LibvirtHost.SANDBOXER;
    private static final Path STATE = Path.of("/var/lib/sandboxer/it-pool");
    private static final Pattern CLAIMED = Pattern.compile("claimed the pooled sandbox (\\S+) for");
    private static final Duration BOOT = Duration.ofMinutes(10);
    /** The one file claims leave in state_dir: the lock they take (empty, reused). */
    private static final String CLAIM_LOCK = "pool-claims.lock";
    private static LibvirtHost host;

    @TempDir
    Path dir;
    private String prefix;
    private Path config;
    private Path agents;
    private RunnerEmulator operator;

    @BeforeAll
    static void prepareHost() {
        host = LibvirtHost.prepareWith(STATE);
    }

    @BeforeEach
    void names() throws IOException {
        prefix = "pit" + Long.toString(System.nanoTime() % 1_000_000, 36);
        // Every stage of every job of one runner shares the driver's directory (one user): the pool's lock and log are there.
        agents = dir.resolve("driver");
        operator = runner("op", "1");
    }

    @AfterEach
    void drainWhatIsLeft() throws Exception {
        if (config != null) {
            awaitNoFill();
            operator.stage("pool", "drain", "--config", config.toString(), "--name-prefix", prefix);
        }
    }

    private void configure(String name, int size, String bootTimeout) throws IOException {
        Path state = STATE.resolve(name);
        Files.createDirectories(state);
        var settings = host.settings("sbx-it-pool-" + name, state, " cloud-init=disabled").put("provider", "libvirt")
                .put("bootstrap_format", "ignition").put("bootstrap_delivery", "file");
        settings.putObject("pool").put("size", size).put("boot_timeout", bootTimeout).put("max_age", "1h");
        config = dir.resolve(name + ".json");
        Files.writeString(config, settings.toString());
    }

    private RunnerEmulator runner(String name, String jobId) throws IOException {
        return RunnerEmulator.withLauncher(LAUNCHER, dir.resolve(name), jobId).hostEnvironment("SANDBOXER_AGENT_DIR", agents.toString());
    }

    private RunnerEmulator.Result pool(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("pool"));
        all.addAll(List.of(args));
        all.addAll(List.of("--config", config.toString(), "--name-prefix", prefix));
        return operator.stage(BOOT, all.toArray(String[]::new));
    }

    private JsonNode status() throws Exception {
        RunnerEmulator.Result r = pool("status", "--json");
        assertEquals(0, r.exitCode(), r.stderr());
        return new ObjectMapper().readTree(r.stdout());
    }

    private long count(JsonNode status, String condition) {
        long n = 0;
        for (JsonNode m : status.path("members")) {
            n += condition.equals(m.path("condition").asText()) ? 1 : 0;
        }
        return n;
    }

    @Test
    void aPoolOfTwoServesTwoJobsAtOnceEachOnItsOwnVmRefillsAndDrainsToNothing() throws Exception {
        configure("two", 2, "10m");
        RunnerEmulator.Result fill = pool("fill");
        assertEquals(0, fill.exitCode(), fill.stderr());
        assertTrue(fill.stderr().contains("pool: 2 ready of 2"), fill.stderr());
        assertEquals(2, count(status(), "ready"));

        RunnerEmulator jobA = runner("job-a", Long.toString(810_000 + System.nanoTime() % 10_000));
        RunnerEmulator jobB = runner("job-b", Long.toString(820_000 + System.nanoTime() % 10_000));
        var a = CompletableFuture.supplyAsync(() -> timedPrepare(jobA));
        var b = CompletableFuture.supplyAsync(() -> timedPrepare(jobB));
        Timed prepareA = a.join();
        Timed prepareB = b.join();
        String memberA = claimed(prepareA.result());
        String memberB = claimed(prepareB.result());
        System.out.printf("warm prepares at once: %d ms and %d ms%n", prepareA.millis(), prepareB.millis());
        try {
            assertNotEquals(memberA, memberB, "two jobs, two members");
            assertTrue(prepareA.result().stderr().contains("is ready: SSH login as runner works"), prepareA.result().stderr());

            // Each job's stages reach its own member by the job's name: the guest's hostname is the member's.
            assertEquals(memberA + "\n", build(jobA, "cat /etc/hostname\n"));
            assertEquals(memberB + "\n", build(jobB, "cat /etc/hostname\n"));

            Poll.until("the background refill makes two ready members again", BOOT, () -> count(statusQuietly(), "ready") == 2);
            Path log = agents.resolve("pool-" + prefix + ".log");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
            String refillLog = Files.readString(log);
            assertTrue(refillLog.contains("is ready"), refillLog);
            assertFalse(refillLog.contains("PRIVATE KEY") || refillLog.contains("$6$"), "no secret in the refill's log");
        } finally {
            assertEquals(0, jobA.stage("cleanup", "--config", config.toString(), "--name-prefix", prefix).exitCode());
            assertEquals(0, jobB.stage("cleanup", "--config", config.toString(), "--name-prefix", prefix).exitCode());
        }
        assertEquals("", host.leftovers(memberA) + host.leftovers(memberB), "cleanup deletes the members the jobs claimed");

        awaitNoFill();
        RunnerEmulator.Result drain = pool("drain");
        assertEquals(0, drain.exitCode(), drain.stderr());
        assertTrue(drain.stdout().contains("2 pooled sandbox(es) deleted"), drain.stdout());
        assertEquals("", host.leftovers(prefix + "-"), "drain leaves no domain or volume of the pool");
        assertEquals(List.of(CLAIM_LOCK), stateFiles("two"), "no credentials or bootstrap file is left");
    }

    @Test
    void aKillDuringARefillOrDuringAClaimLeavesNothingOnceCleanupAndGcHaveRun() throws Exception {
        // A short boot_timeout, so that gc may call a member whose filler died "never ready" within the test.
        configure("kill", 1, "45s");

        Process filler = operator.start("pool", "fill", "--config", config.toString(), "--name-prefix", prefix);
        awaitLine(filler, "created; waiting for it to boot");
        filler.destroyForcibly(); // SIGKILL, while the member boots
        filler.waitFor();
        JsonNode orphaned = status();
        assertEquals(1, count(orphaned, "booting"), "the member a dead filler left is still known: " + orphaned);
        Poll.until("gc deletes the member once it is past boot_timeout", Duration.ofMinutes(4), () -> {
            gc();
            return host.leftovers(prefix + "-").isEmpty();
        });

        RunnerEmulator.Result fill = pool("fill");
        assertEquals(0, fill.exitCode(), fill.stderr());
        RunnerEmulator job = runner("job-c", Long.toString(830_000 + System.nanoTime() % 10_000));
        Process prepare = job.start("prepare", "--config", config.toString(), "--name-prefix", prefix);
        String line = awaitLine(prepare, "claimed the pooled sandbox");
        prepare.destroyForcibly(); // SIGKILL, between the claim and the end of prepare
        prepare.waitFor();
        Matcher m = CLAIMED.matcher(line);
        assertTrue(m.find(), line);
        String member = m.group(1);

        RunnerEmulator.Result cleanup = job.stage("cleanup", "--config", config.toString(), "--name-prefix", prefix);
        assertEquals(0, cleanup.exitCode(), "the runner's cleanup after a failed prepare: " + cleanup.stderr());
        assertEquals("", host.leftovers(member), "the claimed member went with the job's cleanup");
        awaitNoFill();
        gc();
        RunnerEmulator.Result drain = pool("drain");
        assertEquals(0, drain.exitCode(), drain.stderr());
        assertEquals("", host.leftovers(prefix + "-"));
        assertEquals(List.of(CLAIM_LOCK), stateFiles("kill"));
    }

    private record Timed(RunnerEmulator.Result result, long millis) {
    }

    private Timed timedPrepare(RunnerEmulator job) {
        try {
            long start = System.nanoTime();
            RunnerEmulator.Result r = job.stage(BOOT, "prepare", "--config", config.toString(), "--name-prefix", prefix);
            return new Timed(r, (System.nanoTime() - start) / 1_000_000);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String claimed(RunnerEmulator.Result prepare) {
        assertEquals(0, prepare.exitCode(), prepare.stderr());
        Matcher m = CLAIMED.matcher(prepare.stderr());
        assertTrue(m.find(), "prepare was served by the pool: " + prepare.stderr());
        return m.group(1);
    }

    private String build(RunnerEmulator job, String script) throws Exception {
        RunnerEmulator.Result r = job.stage("run", "--config", config.toString(), "--name-prefix", prefix,
                job.script("build_script", script).toString(), "build_script");
        assertEquals(0, r.exitCode(), r.stderr());
        return r.stdout();
    }

    private JsonNode statusQuietly() {
        try {
            return status();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void gc() {
        try {
            RunnerEmulator.Result r = operator.stage("gc", "--config", config.toString(), "--name-prefix", prefix, "--orphan-grace", "0s");
            assertEquals(0, r.exitCode(), r.stderr());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Until no fill of this pool runs (the refill a prepare started ends once nothing is missing). */
    private void awaitNoFill() {
        Poll.until("no fill of " + prefix + " runs", BOOT, () -> LibvirtHost.run("sh", "-c",
                "pgrep -f -- '[p]ool fill --name-prefix " + prefix + " ' || true").isBlank());
    }

    /** Reads the process's stderr until a line contains {@code text}; the rest keeps draining so the process never blocks. */
    private static String awaitLine(Process process, String text) throws IOException {
        BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line = err.readLine(); line != null; line = err.readLine()) {
            seen.append(line).append('\n');
            if (line.contains(text)) {
                Thread.ofVirtual().start(() -> drain(err));
                return line;
            }
        }
        throw new AssertionError("the process ended before saying \"" + text + "\":\n" + seen);
    }

    private static void drain(BufferedReader reader) {
        try {
            while (reader.readLine() != null) {
                // discard
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    private static List<String> stateFiles(String name) {
        try (Stream<Path> files = Files.walk(STATE.resolve(name))) {
            return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
