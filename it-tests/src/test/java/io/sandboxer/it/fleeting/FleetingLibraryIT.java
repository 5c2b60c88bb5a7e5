package io.sandboxer.it.fleeting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sandboxer.core.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The built plugin launcher driven by GitLab's own fleeting library ({@code fleeting.RunPlugin} and its
 * InstanceGroup client, the runner's exact path), every call once; and fleeting's own reference plugin
 * ({@code fleeting-plugin-dummy}) driven by the same host, so that a failure here is the plugin's, not the
 * host's. AutoMTLS, which {@code fleeting.RunPlugin} never enables, is exercised with go-plugin's client and
 * fleeting's handshake, calls built from the fleeting module's own registered descriptor. The backend is
 * libvirt's test driver, whose network hands out loopback addresses, so no SSH probe leaves this machine.
 */
class FleetingLibraryIT {
    private static final Path PLUGIN = Path.of("../adapter-fleeting/target/fleeting-plugin-libvirt");
    @TempDir
    static Path work;

    @BeforeAll
    static void build() throws Exception {
        FleetingHost.peers();
    }

    private static Path testDriverConfig(String name) throws IOException {
        return FleetingHost.testDriverConfig(work, name);
    }

    private static Path dummyConfig(String name) throws IOException {
        return Files.writeString(work.resolve(name + ".json"), "{\"MaxSize\": 3}"); // the dummy binds plugin_config by field name
    }

    private static Map<String, JsonNode> run(String scenario, Path plugin, Path config, String name) throws Exception {
        Map<String, JsonNode> steps = new LinkedHashMap<>();
        Path log = work.resolve(name + ".log");
        try (FleetingHost host = FleetingHost.start(scenario, plugin, config, TestResources.path("/keys/openssh_ed25519"), log,
                Duration.ofMinutes(3))) {
            int exit = host.waitFor(Duration.ofMinutes(3));
            host.seen().forEach(step -> steps.put(step.path("step").asText(), step));
            assertEquals(0, exit, "steps: " + host.seen() + "\nhost log:\n" + Files.readString(log));
        }
        return steps;
    }

    @Test
    void everyCallOfTheFleetingLibraryReachesThePlugin() throws Exception {
        Map<String, JsonNode> steps = run("calls", PLUGIN, testDriverConfig("calls"), "calls");
        assertEquals(3, steps.get("init").path("max_size").asInt());
        assertTrue(steps.get("init").path("id").asText().startsWith("sandboxer/libvirt/"), steps.get("init").toString());
        assertEquals("0.1.0-SNAPSHOT", steps.get("init").path("version").asText());
        assertEquals(2, steps.get("increase").path("succeeded").asInt());
        assertEquals(2, steps.get("update").path("instances").size(), "the stream carried every instance");
        steps.get("update").path("instances").forEach(s -> assertEquals("creating", s.asText(), "no SSH answers on loopback: not running"));
        JsonNode connect = steps.get("connectinfo");
        assertEquals("core", connect.path("username").asText());
        assertEquals("linux", connect.path("os").asText());
        assertEquals("amd64", connect.path("arch").asText());
        assertEquals("ssh", connect.path("protocol").asText());
        assertEquals(22, connect.path("port").asInt());
        assertTrue(connect.path("internal_addr").asText().startsWith("127.0.0."), connect.toString());
        assertTrue(connect.path("has_key").asBoolean(), connect.toString());
        assertTrue(connect.path("id").asText().startsWith("gitlab-runner-"), connect.toString());
        assertTrue(steps.get("heartbeat").path("ok").asBoolean());
        assertEquals(2, steps.get("decrease").path("succeeded").size());
        assertTrue(steps.containsKey("kill"));
        // go-plugin re-logs the plugin's stderr: hclog JSON lines show up with their level, not as raw text.
        String log = Files.readString(work.resolve("calls.log"));
        assertTrue(log.contains("[INFO]  runner.fleeting-plugin.fleeting-plugin-libvirt: serving on 127.0.0.1"), log);
    }

    @Test
    void theSameHostDrivesFleetingsOwnReferencePlugin() throws Exception {
        Map<String, JsonNode> steps = run("calls", FleetingHost.dummyPlugin(), dummyConfig("dummy"), "dummy");
        assertEquals("dummy/dummy", steps.get("init").path("id").asText());
        assertEquals(3, steps.get("init").path("max_size").asInt());
        assertEquals(2, steps.get("increase").path("succeeded").asInt());
        assertEquals(2, steps.get("update").path("instances").size());
        assertEquals(2, steps.get("decrease").path("succeeded").size());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sandboxer", "fleeting-plugin-dummy"})
    void autoMtlsWithFleetingsHandshake(String which) throws Exception {
        boolean ours = which.equals("sandboxer");
        Map<String, JsonNode> steps = run("automtls", ours ? PLUGIN : FleetingHost.dummyPlugin(),
                ours ? testDriverConfig("mtls") : dummyConfig("mtls-dummy"), "mtls-" + which);
        assertEquals("grpc", steps.get("start").path("protocol").asText());
        assertEquals(0, steps.get("start").path("negotiated_version").asInt(), "fleeting's app protocol version");
        assertEquals(3, steps.get("init").path("max_size").asInt());
        assertEquals(1, steps.get("increase").path("succeeded").asInt());
        assertEquals(1, steps.get("update").path("instances").size());
        assertEquals(1, steps.get("decrease").path("succeeded").asInt());
        assertTrue(steps.get("kill").path("exited").asBoolean(), "the plugin exited after GRPCController.Shutdown");
    }
}
