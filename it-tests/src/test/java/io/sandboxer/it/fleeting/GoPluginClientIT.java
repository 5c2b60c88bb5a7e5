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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The built plugin launcher driven by HashiCorp go-plugin's own Go client (Debian's golang packages, GOPATH
 * mode): handshake, health ping, every InstanceGroup method through stubs generated from the same fleeting.proto,
 * and shutdown through GRPCController — plain and with AutoMTLS. The backend is libvirt's test driver whose
 * network hands out loopback addresses, so the plugin's SSH probes never leave this machine.
 */
class GoPluginClientIT {
    private static Path work;
    private static Path client;

    @BeforeAll
    static void build() throws Exception {
        work = Files.createTempDirectory("sandboxer-go-plugin-client-it");
        client = GoFleetingClient.binary();
    }

    @ParameterizedTest(name = "automtls={0}")
    @ValueSource(booleans = {false, true})
    void everyCallThroughGoPluginsClient(boolean autoMtls) throws Exception {
        Path state = Files.createDirectories(work.resolve("state-" + autoMtls));
        Path config = work.resolve("config-" + autoMtls + ".json");
        // The libvirt Go plugin's documented keys, adapted to the test driver.
        Files.writeString(config, """
                {"uri": "test://%s", "pool_name": "pool", "base_volume_name": "base.qcow2", "network_name": "default",
                 "state_dir": "%s", "max_size": 3, "vcpu_count": 1, "memory_mib": 512, "domain_type": "qemu", "address_source": "auto"}
                """.formatted(TestResources.path("/libvirt/test-node.xml"), state));
        Path plugin = Path.of("../adapter-fleeting/target/fleeting-plugin-libvirt");
        Map<String, JsonNode> steps = new LinkedHashMap<>();
        try (GoFleetingClient go = GoFleetingClient.start(client, "calls", autoMtls, plugin, config, TestResources.path("/keys/openssh_ed25519"),
                work.resolve("host-" + autoMtls + ".log"), Duration.ofMinutes(3))) {
            int exit = go.waitFor(Duration.ofMinutes(3));
            go.seen().forEach(step -> steps.put(step.path("step").asText(), step));
            assertEquals(0, exit, "steps: " + go.seen() + "\nhost log: " + log(autoMtls));
        }
        assertEquals("grpc", steps.get("start").path("protocol").asText());
        assertEquals(1, steps.get("start").path("negotiated_version").asInt());
        assertEquals(3, steps.get("init").path("max_size").asInt());
        assertEquals(2, steps.get("increase").path("succeeded").asInt());
        assertEquals(2, steps.get("update").path("instances").size());
        steps.get("update").path("instances").forEach(s -> assertEquals("STATE_CREATING", s.asText(), "no SSH answers on loopback: not running"));
        assertEquals("core", steps.get("connectinfo").path("username").asText());
        assertTrue(steps.get("connectinfo").path("internal_addr").asText().startsWith("127.0.0."));
        assertTrue(steps.get("connectinfo").path("has_key").asBoolean());
        assertEquals(2, steps.get("decrease").path("succeeded").size());
        assertTrue(steps.get("kill").path("exited").asBoolean(), "the plugin exited after GRPCController.Shutdown");
        // The host re-logs the plugin's stderr: hclog JSON lines show up with their level, not as raw text.
        assertTrue(log(autoMtls).contains("[INFO]  host.fleeting-plugin-libvirt: serving on 127.0.0.1"), log(autoMtls));
    }

    private static String log(boolean autoMtls) throws IOException {
        return Files.readString(work.resolve("host-" + autoMtls + ".log"));
    }
}
