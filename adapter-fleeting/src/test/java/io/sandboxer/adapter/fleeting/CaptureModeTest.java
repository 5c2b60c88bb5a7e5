package io.sandboxer.adapter.fleeting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.sandboxer.adapter.fleeting.protocol.ConnectorConfig;
import io.sandboxer.adapter.fleeting.protocol.InitRequest;
import io.sandboxer.core.testing.Keys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capture mode records what a real runner sends, known methods and unknown ones, with secrets redacted. */
class CaptureModeTest {
    @TempDir
    Path dir;

    @Test
    void everyCallIsRecordedWithItsFieldsAndSecretsRedactedByMeaning() throws Exception {
        Path file = dir.resolve("capture.txt");
        InstanceGroupService service = new InstanceGroupService("in-memory", c -> info -> true, BuildInfo.load("t"));
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        try (CaptureLog capture = new CaptureLog(file);
                GoPluginServer server = GoPluginServer.start(Handshake.fromEnvironment(Map.of("PLUGIN_MIN_PORT", "20000", "PLUGIN_MAX_PORT", "25000")),
                        service, new PrintStream(stdout, true, StandardCharsets.UTF_8), service::closeQuietly, capture);
                PluginClient client = PluginClient.plaintext(stdout.toString(StandardCharsets.UTF_8).strip())) {
            client.group.init(InitRequest.newBuilder()
                    .setConfig(ByteString.copyFromUtf8("{\"provider\": \"in-memory\", \"group\": \"g\", \"max_size\": 2}"))
                    .setSettings(PluginClient.settings(ConnectorConfig.newBuilder().setUsername("core").setPassword("core")
                            .setKey(ByteString.copyFrom(Files.readAllBytes(Keys.path("openssh_ed25519")))))).build());

            // A method fleeting.proto does not know, as a runner with a newer schema would call it.
            MethodDescriptor<byte[], byte[]> unknown = MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName("proto.InstanceGroup/Suspend").setRequestMarshaller(CaptureInterceptors.RAW).setResponseMarshaller(CaptureInterceptors.RAW).build();
            byte[] request = {0x0a, 0x05, 'h', 'e', 'l', 'l', 'o', 0x10, 0x2a};
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(client.channel, unknown, CallOptions.DEFAULT, request));
            assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
        }
        String text = Files.readString(file);
        assertTrue(text.contains(" proto.InstanceGroup/Init ("), "the real method name: " + text);
        assertTrue(text.contains("proto.InstanceGroup/Suspend") && text.contains("UNIMPLEMENTED"), text);
        assertTrue(text.contains("1 bytes: <5 bytes>") && text.contains("2 varint: 42"), "an unknown method's fields, raw: " + text);
        assertFalse(text.contains("hello"), "bytes of unknown meaning are never shown: " + text);
        assertTrue(text.contains("4 username: \"core\""), "the user shown by name: " + text);
        // The password equals the user name, a value that looks harmless: redacted because of what the field is.
        assertTrue(text.contains("5 password: <secret, 4 bytes>"), text);
        assertTrue(text.contains("6 key: <secret, "), text);
        assertTrue(text.contains("1 config: {\"provider\":\"in-memory\",\"group\":\"g\",\"max_size\":2}"), "the plugin_config JSON is readable: " + text);
        assertFalse(text.contains("PRIVATE KEY") || text.contains("OPENSSH"), "no key material: " + text);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void secretsInThePluginConfigAndUnknownFieldsAreRedacted() {
        InitRequest request = InitRequest.newBuilder().setConfig(ByteString.copyFromUtf8("{\"user\":\"a\",\"uri\":\"qemu+ssh://root:s3cret@hv1/system\",\"password\":\"pw\"}"))
                .setUnknownFields(UnknownFieldSet.newBuilder().addField(9, UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(ByteString.copyFromUtf8("new-token-field")).build()).build()).build();
        String described = CaptureLog.describe(request, "");
        assertTrue(described.contains("\"password\":\"<redacted>\"") && described.contains("\"user\":\"a\""), described);
        assertTrue(described.contains("fields not in fleeting.proto") && described.contains("9 bytes: <15 bytes>"), described);
        assertFalse(described.contains("new-token-field"), described);
        assertTrue(described.contains("qemu+ssh://root:<redacted>@hv1/system"), described);
        assertFalse(described.contains("s3cret"), described);
    }
}
