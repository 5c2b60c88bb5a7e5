package io.sandboxer.it.fleeting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sandboxer.core.testing.Poll;
import io.sandboxer.core.testing.TestResources;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built {@code fleeting-plugin-libvirt} on a real libvirtd + QEMU, driven by GitLab's fleeting library as
 * GitLab Runner drives it ({@code fleeting.RunPlugin}, the library's client, its SSH connector): Init with the
 * libvirt Go plugin's documented {@code plugin_config} keys (pointed at the test pool, network and kernel),
 * Increase(2), Update until both instances are running (SSH ready), ConnectInfo, a command in each guest through
 * fleeting's own SSH connector with what ConnectInfo returned, Decrease, Shutdown; a plugin SIGKILLed in the middle
 * of an Increase, whose successor sweeps what it half-made; and a host (the runner) SIGKILLed while an instance
 * exists, whose orphaned plugin must exit by itself. The guests are the Debian test image bootstrapped by Ignition
 * through fw_cfg, as Flatcar would be.
 */
class FleetingLibvirtIT {
    private static final Path PLUGIN = LibvirtHost.FLEETING_PLUGIN;
    /** Under /var/lib, which QEMU can enter (a JUnit temp dir is 0700, and the provider rightly refuses it). */
    private static final Path STATE = Path.of("/var/lib/sandboxer/it-fleeting");
    private static final Duration DEADLINE = Duration.ofMinutes(15);

    private static LibvirtHost host;

    @TempDir
    Path dir;

    @BeforeAll
    static void prepare() throws Exception {
        host = LibvirtHost.prepareWith(STATE);
        FleetingHost.peers();
    }

    /** The Go plugin's documented keys, adapted to this host; "sbx-it-fleet-*" names every domain and volume. */
    private Path pluginConfig(String prefix) throws IOException {
        Path config = dir.resolve("plugin_config.json");
        // cloud-init=disabled: an Ignition guest has no cloud-init, as on Flatcar (the test image has both).
        Files.writeString(config, host.settings(prefix, STATE.resolve(prefix), " cloud-init=disabled").put("domain_prefix", prefix)
                .put("max_size", 2).toString());
        return config;
    }

    @Test
    void twoInstancesRunCommandsThroughFleetingsConnectorAndLeaveNothingBehind() throws Exception {
        String prefix = "sbx-it-fleet-a";
        Path log = dir.resolve("host.log");
        try (FleetingHost runner = FleetingHost.start("lifecycle", PLUGIN, pluginConfig(prefix), key(), log, DEADLINE)) {
            assertEquals(2, runner.until("increase").path("succeeded").asInt(), runner.seen().toString());
            JsonNode running = runner.until("running");
            System.out.printf("both instances running (SSH ready) %d s after Increase%n", running.path("seconds").asInt());
            for (int i = 0; i < 2; i++) {
                JsonNode info = runner.until("connectinfo");
                String id = info.path("id").asText();
                assertTrue(id.startsWith(prefix + "-"), id);
                assertEquals("core", info.path("username").asText());
                assertTrue(info.path("has_key").asBoolean(), "ConnectInfo hands back the connector key");
                JsonNode run = runner.until("run");
                assertEquals(id, run.path("id").asText());
                List<String> out = run.path("stdout").asText().lines().toList();
                assertEquals(List.of(id, host.kernelRelease(), "core"), out, "hostname, uname -r and id -un of the instance ConnectInfo named");
            }
            assertEquals(2, runner.until("decrease").path("succeeded").size());
            runner.until("drained");
            runner.awaitCleanExit(log);
        } finally {
            System.out.print(tail(log));
        }
        assertNothingLeft(prefix);
    }

    /**
     * Jobs as GitLab Runner's instance executor runs them, through taskscaler (the runner's scaling layer) with
     * capacity_per_instance = 1, max_use_count = 1, idle_count = 0 and delete_instances_on_shutdown: each job
     * reserves and acquires a slot, which makes the plugin create an instance and taskscaler wait until Update
     * reports it running; its script runs over fleeting's SSH connector; its release retires the instance. A failing
     * job's exit code comes back; the second job gets a fresh instance; nothing is left after the runner stops.
     */
    @Test
    void jobsThroughTaskscalerEachGetAFreshInstanceAndNothingIsLeft() throws Exception {
        String prefix = "sbx-it-fleet-j";
        Path log = dir.resolve("host.log");
        try (FleetingHost runner = FleetingHost.start("jobs", PLUGIN, pluginConfig(prefix), key(), log, DEADLINE,
                "-job", "hostname; uname -r; id -un", "-job", "hostname; echo 'the build failed' >&2; exit 3")) {
            runner.until("taskscaler");
            JsonNode passing = runner.until("job");
            JsonNode failing = runner.until("job");
            JsonNode shutdown = runner.until("shutdown");
            runner.awaitCleanExit(log);

            String first = passing.path("instance").asText();
            assertTrue(first.startsWith(prefix + "-"), first);
            assertEquals(0, passing.path("exit_code").asInt(), passing.toString());
            assertEquals(List.of(first, host.kernelRelease(), "core"), passing.path("stdout").asText().lines().toList());
            assertEquals(3, failing.path("exit_code").asInt(), "the job's exit code reaches the runner: " + failing);
            assertTrue(failing.path("stderr").asText().contains("the build failed"), failing.toString());
            String second = failing.path("instance").asText();
            assertTrue(!second.equals(first) && second.startsWith(prefix + "-"), "max_use_count 1: a fresh instance for the second job");
            assertEquals(second, failing.path("stdout").asText().strip(), "the job ran on the instance it acquired");
            System.out.printf("instance-executor style jobs: ask -> ready %.1f s, job done %.1f s; %.1f s, %.1f s; shutdown %.1f s%n",
                    passing.path("acquire_seconds").asDouble(), passing.path("seconds").asDouble(), failing.path("acquire_seconds").asDouble(),
                    failing.path("seconds").asDouble(), shutdown.path("seconds").asDouble());
        } finally {
            System.out.print(tail(log));
        }
        assertNothingLeft(prefix);
    }

    @Test
    void aPluginKilledDuringIncreaseIsSweptByItsSuccessor() throws Exception {
        String prefix = "sbx-it-fleet-k";
        Path log = dir.resolve("host.log");
        try (FleetingHost runner = FleetingHost.start("crash", PLUGIN, pluginConfig(prefix), key(), log, DEADLINE)) {
            runner.until("init");
            ProcessHandle plugin = runner.plugins().get(0);
            runner.until("increasing");
            // Kill as soon as the first piece of an instance exists: an overlay volume, before any domain is whole.
            Poll.until("the plugin creates the first overlay", Duration.ofMinutes(2), () -> hasFileOf(host.poolDir(), prefix));
            new ProcessBuilder("kill", "-KILL", Long.toString(plugin.pid())).start().waitFor();
            JsonNode increase = runner.until("increase");
            System.out.println("Increase after SIGKILL: " + increase);
            System.out.println("left by the killed plugin: " + host.leftovers(prefix).strip().replace('\n', ' '));
            JsonNode found = runner.until("found");
            assertEquals(0, found.path("instances").size(), "the successor swept the older generation at Init: " + found);
            runner.awaitCleanExit(log);
            assertTrue(Files.readString(log).contains("start-up sweep"), "the successor says what it swept");
        } finally {
            System.out.print(tail(log));
        }
        assertNothingLeft(prefix);
    }

    /**
     * A runner SIGKILLed while its plugin has an instance never calls Shutdown: the plugin notices that its parent
     * is gone and exits by itself (orphaned plugins that keep scaling are a known runner pain point), and the next
     * plugin's start-up sweeps what it left.
     */
    @Test
    void aPluginWhoseRunnerIsKilledExitsByItselfAndItsInstanceIsSwept() throws Exception {
        String prefix = "sbx-it-fleet-o";
        Path log = dir.resolve("host.log");
        Path config = pluginConfig(prefix);
        try (FleetingHost runner = FleetingHost.start("orphan", PLUGIN, config, key(), log, DEADLINE)) {
            runner.until("init");
            ProcessHandle plugin = runner.plugins().get(0);
            runner.until("reported");
            runner.until("waiting");
            runner.process().destroyForcibly(); // SIGKILL: no Shutdown, no Kill, as a crashed runner
            Poll.until("the orphaned plugin exits by itself", Duration.ofSeconds(30), () -> !plugin.isAlive());
            System.out.println("left by the orphaned plugin: " + host.leftovers(prefix).strip().replace('\n', ' '));
        } finally {
            System.out.print(tail(log));
        }
        Path successorLog = dir.resolve("successor.log");
        try (FleetingHost successor = FleetingHost.start("sweep", PLUGIN, config, key(), successorLog, DEADLINE)) {
            assertEquals(0, successor.until("found").path("instances").size(), "the successor swept the orphan's instance at Init");
            successor.awaitCleanExit(successorLog);
        } finally {
            System.out.print(tail(successorLog));
        }
        assertNothingLeft(prefix);
    }

    private static Path key() {
        return TestResources.path("/keys/openssh_ed25519");
    }

    private static boolean hasFileOf(Path dir, String prefix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().startsWith(prefix));
        } catch (IOException e) {
            return false;
        }
    }

    private static void assertNothingLeft(String prefix) throws IOException {
        assertEquals("", host.leftovers(prefix), "no domain or volume of the group is left");
        Path state = STATE.resolve(prefix);
        if (Files.exists(state)) {
            try (Stream<Path> files = Files.walk(state)) {
                assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "no bootstrap or credentials file is left");
            }
        }
    }

    /** The host log's last lines: go-plugin re-logs the plugin's hclog lines there. */
    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())) + "\n";
    }
}
