package io.sandboxer.it.fleeting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshOptions;
import io.sandboxer.core.ssh.SshSession;
import io.sandboxer.core.ssh.SshTarget;
import io.sandboxer.core.testing.Poll;
import io.sandboxer.core.testing.TestResources;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built {@code fleeting-plugin-libvirt} on a real libvirtd + QEMU, driven by go-plugin's own Go client as
 * GitLab Runner's fleeting library drives it: Init with the libvirt Go plugin's documented {@code plugin_config}
 * keys (pointed at the test pool, network and kernel), Increase(2), Update until both instances are running (SSH
 * ready), ConnectInfo, an SSH login with what ConnectInfo returned, Decrease; and a plugin SIGKILLed in the middle
 * of an Increase, whose successor sweeps what it half-made. The guests are the Debian test image bootstrapped by
 * Ignition through fw_cfg, as Flatcar would be.
 */
class FleetingLibvirtIT {
    private static final Path PLUGIN = Path.of("../adapter-fleeting/target/fleeting-plugin-libvirt");
    /** Under /var/lib, which QEMU can enter (a JUnit temp dir is 0700, and the provider rightly refuses it). */
    private static final Path STATE = Path.of("/var/lib/sandboxer/it-fleeting");
    private static final Duration DEADLINE = Duration.ofMinutes(15);

    private static LibvirtHost host;
    private static Path client;

    @TempDir
    Path dir;

    @BeforeAll
    static void prepare() throws Exception {
        host = LibvirtHost.prepare();
        client = GoFleetingClient.binary();
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
    void twoInstancesRunAcceptTheReturnedCredentialsAndLeaveNothingBehind() throws Exception {
        String prefix = "sbx-it-fleet-a";
        Path log = dir.resolve("host.log");
        List<JsonNode> infos = new ArrayList<>();
        try (GoFleetingClient go = GoFleetingClient.start(client, "lifecycle", PLUGIN, pluginConfig(prefix), key(), log, DEADLINE)) {
            assertEquals(2, go.until("increase").path("succeeded").asInt(), go.seen().toString());
            JsonNode running = go.until("running");
            System.out.printf("both instances running (SSH ready) %d s after Increase%n", running.path("seconds").asInt());
            infos.add(go.until("connectinfo"));
            infos.add(go.until("connectinfo"));
            go.until("waiting");
            for (JsonNode info : infos) {
                assertEquals("core", info.path("username").asText());
                String id = info.path("id").asText();
                assertTrue(id.startsWith(prefix + "-"), id);
                SshPrivateKey key = SshPrivateKey.parse(Secret.of(info.path("key").asText()), null, "ConnectInfo of " + id);
                SshTarget target = new SshTarget(info.path("internal_addr").asText(), info.path("port").asInt(22), "core",
                        new Credential.PrivateKey(key), HostKeyPolicy.insecure("ConnectInfo carries no host key"));
                try (SshSession ssh = SshSession.connect(target, SshOptions.DEFAULT)) {
                    assertEquals(id, ssh.execForText("hostname").strip(), "the login reached the instance ConnectInfo named");
                    assertEquals("core", ssh.execForText("id -un").strip()); // Flatcar's own user: its sudo rights are the image's
                }
            }
            go.proceed();
            assertEquals(2, go.until("decrease").path("succeeded").size());
            go.until("drained");
            assertTrue(go.until("kill").path("exited").asBoolean());
            assertEquals(0, go.waitFor(Duration.ofMinutes(1)), go.seen() + "\n" + Files.readString(log));
        } finally {
            System.out.print(tail(log));
        }
        assertNothingLeft(prefix);
    }

    @Test
    void aPluginKilledDuringIncreaseIsSweptByItsSuccessor() throws Exception {
        String prefix = "sbx-it-fleet-k";
        Path log = dir.resolve("host.log");
        try (GoFleetingClient go = GoFleetingClient.start(client, "crash", PLUGIN, pluginConfig(prefix), key(), log, DEADLINE)) {
            long pid = go.until("start").path("pid").asLong();
            go.until("increasing");
            // Kill as soon as the first piece of an instance exists: an overlay volume, before any domain is whole.
            Poll.until("the plugin creates the first overlay", Duration.ofMinutes(2), () -> hasFileOf(host.poolDir(), prefix));
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor();
            JsonNode increase = go.until("increase");
            System.out.println("Increase after SIGKILL: " + increase);
            System.out.println("left by the killed plugin: " + host.leftovers(prefix).strip().replace('\n', ' '));
            JsonNode found = go.until("found");
            assertEquals(0, found.path("instances").size(), "the successor swept the older generation at Init: " + found);
            assertTrue(go.until("kill").path("exited").asBoolean());
            assertEquals(0, go.waitFor(Duration.ofMinutes(1)), go.seen() + "\n" + Files.readString(log));
            assertTrue(Files.readString(log).contains("start-up sweep"), "the successor says what it swept");
        } finally {
            System.out.print(tail(log));
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
