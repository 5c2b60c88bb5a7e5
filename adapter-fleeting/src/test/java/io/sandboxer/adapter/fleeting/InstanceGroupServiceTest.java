package io.sandboxer.adapter.fleeting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import io.sandboxer.adapter.fleeting.protocol.ConnectInfoRequest;
import io.sandboxer.adapter.fleeting.protocol.ConnectInfoResponse;
import io.sandboxer.adapter.fleeting.protocol.ConnectorConfig;
import io.sandboxer.adapter.fleeting.protocol.DecreaseRequest;
import io.sandboxer.adapter.fleeting.protocol.Empty;
import io.sandboxer.adapter.fleeting.protocol.HeartbeatRequest;
import io.sandboxer.adapter.fleeting.protocol.IncreaseRequest;
import io.sandboxer.adapter.fleeting.protocol.IncreaseResponse;
import io.sandboxer.adapter.fleeting.protocol.InitRequest;
import io.sandboxer.adapter.fleeting.protocol.InitResponse;
import io.sandboxer.adapter.fleeting.protocol.UpdateResponse.State;
import io.sandboxer.adapter.fleeting.protocol.UpdateResponse;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.testing.Keys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The InstanceGroup service over real gRPC on TCP, on the in-memory backend from core's test fixtures. */
class InstanceGroupServiceTest {
    private GoPluginServer server;
    private PluginClient client;
    private String handshake;

    @BeforeEach
    void start() {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        InstanceGroupService service = new InstanceGroupService("in-memory", connector -> info -> true, BuildInfo.load("fleeting-plugin-test"));
        server = GoPluginServer.start(Handshake.fromEnvironment(Map.of("PLUGIN_PROTOCOL_VERSIONS", "0", "PLUGIN_MIN_PORT", "20000",
                "PLUGIN_MAX_PORT", "25000")), service, new PrintStream(stdout, true, StandardCharsets.UTF_8), service::closeQuietly);
        handshake = stdout.toString(StandardCharsets.UTF_8).strip();
        client = PluginClient.plaintext(handshake);
    }

    @AfterEach
    void stop() throws InterruptedException {
        client.close();
        server.close();
    }

    private static ConnectorConfig.Builder connector() throws Exception {
        return ConnectorConfig.newBuilder().setOs("linux").setArch("amd64").setProtocol("ssh").setUsername("core")
                .setKey(ByteString.copyFrom(Files.readAllBytes(Keys.path("openssh_ed25519"))));
    }

    private List<UpdateResponse> update() {
        return client.update();
    }

    private InitResponse init(String json) throws Exception {
        return client.group.init(InitRequest.newBuilder().setConfig(ByteString.copyFromUtf8(json)).setSettings(PluginClient.settings(connector())).build());
    }

    @Test
    void handshakeLineIsGoPluginsFormat() {
        String[] fields = handshake.split("\\|", -1);
        assertEquals(6, fields.length, handshake);
        assertEquals("1", fields[0]);
        assertEquals("0", fields[1], "fleeting's app protocol version");
        assertEquals("tcp", fields[2]);
        assertTrue(fields[3].matches("127\\.0\\.0\\.1:(2[0-4]\\d{3}|25000)"), fields[3]);
        assertEquals("grpc", fields[4]);
        assertEquals("", fields[5], "no certificate without AutoMTLS");
    }

    @Test
    void healthOfServicePluginIsServing() {
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, client.health("plugin"));
    }

    @Test
    void aFullGroupLifecycle() throws Exception {
        InitResponse info = init("{\"provider\": \"in-memory\", \"group\": \"g\", \"max_size\": 3}");
        assertEquals(3, info.getMaxSize());
        assertEquals("sandboxer/in-memory/gitlab-runner", info.getId());
        assertEquals("0.1.0-SNAPSHOT", info.getVersion());

        IncreaseResponse first = client.group.increase(IncreaseRequest.newBuilder().setN(2).build());
        assertEquals(2, first.getSucceeded());
        IncreaseResponse capped = client.group.increase(IncreaseRequest.newBuilder().setN(5).build());
        assertEquals(1, capped.getSucceeded(), "a partial success travels as its count (gRPC drops a response with an error)");
        StatusRuntimeException full = assertThrows(StatusRuntimeException.class,
                () -> client.group.increase(IncreaseRequest.newBuilder().setN(1).build()));
        assertTrue(full.getStatus().getDescription().contains("max_size 3 reached"), "nothing created: an error says why");

        List<UpdateResponse> instances = update();
        assertEquals(3, instances.size());
        instances.forEach(i -> assertEquals(State.running, i.getState(), "running: the probe answered"));

        String id = instances.get(0).getInstance();
        ConnectInfoResponse connect = client.group.connectInfo(ConnectInfoRequest.newBuilder().setInstance(id).build());
        assertTrue(connect.getInternalAddr().startsWith("127.0.0."), connect.getInternalAddr());
        assertEquals("linux", connect.getConnector().getOs());
        assertEquals("amd64", connect.getConnector().getArch());
        assertEquals("ssh", connect.getConnector().getProtocol());
        assertEquals(22, connect.getConnector().getProtocolPort());
        assertEquals("core", connect.getConnector().getUsername());
        assertEquals(0, connect.getExpires(), "no expiry unless a ttl is set");

        client.group.heartbeat(HeartbeatRequest.newBuilder().setInstance(id).build());
        var decreased = client.group.decrease(DecreaseRequest.newBuilder().addInstances(id).addInstances("already-gone").build());
        assertEquals(List.of(id, "already-gone"), decreased.getSucceededList(), "gone counts as success");
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
                () -> client.group.heartbeat(HeartbeatRequest.newBuilder().setInstance(id).build()));
        assertEquals(Status.Code.UNKNOWN, missing.getStatus().getCode());
        assertTrue(missing.getStatus().getDescription().contains("does not exist"));

        client.group.shutdown(Empty.getDefaultInstance());
        StatusRuntimeException afterShutdown = assertThrows(StatusRuntimeException.class, this::update);
        assertTrue(afterShutdown.getStatus().getDescription().contains("not initialised"));
    }

    @Test
    void callsBeforeInitSayWhatIsWrong() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, this::update);
        assertEquals(Status.Code.UNKNOWN, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("Init has not succeeded"));
    }

    @Test
    void badPluginConfigFailsInitNamingTheField() throws Exception {
        Map<String, String> cases = Map.of(
                "{\"provider\": \"in-memory\", \"group\": \"g\"}", "plugin_config.max_size",
                "{\"provider\": \"in-memory\", \"group\": \"g\", \"max_size\": 3, \"colour\": 1}", "plugin_config.colour",
                "{\"provider\": \"libvirt\", \"pool_name\": \"p\", \"base_volume_name\": \"b\", \"max_size\": 1, \"memory_mib\": 64}",
                "plugin_config.memory_mib",
                "{\"provider\": \"vmware\", \"max_size\": 1}", "no backend named \"vmware\"",
                "{not json", "not valid JSON");
        for (var c : cases.entrySet()) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> init(c.getKey()), c.getKey());
            assertTrue(e.getStatus().getDescription().contains(c.getValue()), c.getKey() + " -> " + e.getStatus().getDescription());
        }
        StatusRuntimeException noUser = assertThrows(StatusRuntimeException.class, () -> client.group.init(InitRequest.newBuilder()
                .setConfig(ByteString.copyFromUtf8("{\"provider\": \"in-memory\", \"group\": \"g\", \"max_size\": 1}"))
                .setSettings(PluginClient.settings(ConnectorConfig.newBuilder().setOs("linux"))).build()));
        assertTrue(noUser.getStatus().getDescription().contains("connector_config.username"), noUser.getStatus().getDescription());
    }

    @Test
    void withoutAConnectorKeyThePluginMakesOneAndHandsItOut() throws Exception {
        client.group.init(InitRequest.newBuilder().setConfig(ByteString.copyFromUtf8("{\"provider\": \"in-memory\", \"group\": \"g\", \"max_size\": 1}"))
                .setSettings(PluginClient.settings(ConnectorConfig.newBuilder().setUsername("runner"))).build());
        client.group.increase(IncreaseRequest.newBuilder().setN(1).build());
        String id = update().get(0).getInstance();
        ConnectInfoResponse connect = client.group.connectInfo(ConnectInfoRequest.newBuilder().setInstance(id).build());
        SshPrivateKey key = SshPrivateKey.parse(Secret.of(connect.getConnector().getKey().toStringUtf8()), null, "handed out");
        assertEquals("ssh-ed25519", key.publicKey().type());
    }
}
