package io.sandboxer.adapter.fleeting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.sandboxer.adapter.fleeting.logging.HclogFormat;
import io.sandboxer.core.credentials.UriPasswords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Capture mode: each gRPC call the host makes is written to a file with its full method name and the request's
 * fields, so an operator can see in one run on a runner host what the runner sends. Secrets are redacted by what a
 * field means, never by what its value looks like (a password "core" or "123456" is still a password):
 * <ul>
 *   <li>a request of a method in fleeting.proto is decoded with its schema: field numbers, names and values, except
 *       the connector's {@code password} and {@code key}, shown as their length, and the {@code plugin_config}
 *       JSON, whose secret-looking keys are redacted; fields the schema does not know (a newer runner) are listed
 *       as raw numbers and wire types, their bytes by length only;</li>
 *   <li>a method the schema does not know is recorded the same way as raw fields: numbers, wire types, varints,
 *       and the length of every byte string, whose meaning (and so whether it is secret) is unknown.</li>
 * </ul>
 * The file is created 0600.
 */
final class CaptureLog implements AutoCloseable {
    private static final Pattern SECRET_KEY = Pattern.compile("(?i)pass|secret|token|private|credential|key");
    /** Fields of fleeting.proto that carry credentials. */
    private static final Set<String> SECRET_FIELDS = Set.of("proto.ConnectorConfig.password", "proto.ConnectorConfig.key");
    /** Fields of fleeting.proto that carry the plugin_config JSON. */
    private static final Set<String> CONFIG_FIELDS = Set.of("proto.InitRequest.config");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Writer out;

    CaptureLog(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new PluginStartException("cannot open the capture file " + file + ": " + e.getMessage(), e);
        }
    }

    /** A request of a method the schema knows. */
    synchronized void record(String fullMethodName, Message request, String outcome) {
        write(fullMethodName, request.getSerializedSize(), outcome, describe(request, "  "));
    }

    /** A request of a method the schema does not know: raw fields only. */
    synchronized void record(String fullMethodName, byte[] request, String outcome) {
        write(fullMethodName, request.length, outcome, describeRaw(ByteString.copyFrom(request), "  "));
    }

    private void write(String fullMethodName, int size, String outcome, String fields) {
        try {
            out.write("=== " + HclogFormat.TIMESTAMP.format(Instant.now()) + " " + fullMethodName + " (" + size + " bytes) -> " + outcome + "\n");
            out.write(fields);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One line per set field, {@code <number> <name>: <value>}, nested messages indented; unknown fields raw. */
    static String describe(Message message, String indent) {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<FieldDescriptor, Object> entry : message.getAllFields().entrySet()) {
            FieldDescriptor field = entry.getKey();
            List<?> values = field.isRepeated() ? (List<?>) entry.getValue() : List.of(entry.getValue());
            for (Object value : values) {
                text.append(indent).append(field.getNumber()).append(' ').append(field.getName()).append(": ");
                if (value instanceof Message nested) {
                    text.append('\n').append(describe(nested, indent + "    "));
                } else {
                    text.append(render(field, value)).append('\n');
                }
            }
        }
        if (!message.getUnknownFields().asMap().isEmpty()) {
            text.append(indent).append("fields not in fleeting.proto:\n").append(describeRaw(message.getUnknownFields().toByteString(), indent + "    "));
        }
        return text.toString();
    }

    private static String render(FieldDescriptor field, Object value) {
        String name = field.getFullName();
        if (SECRET_FIELDS.contains(name)) {
            return "<secret, " + size(value) + " bytes>";
        }
        if (CONFIG_FIELDS.contains(name)) {
            String json = ((ByteString) value).toStringUtf8();
            try {
                return redact(JSON.readTree(json)).toString();
            } catch (IOException e) {
                return "<not JSON, " + json.length() + " chars>";
            }
        }
        if (value instanceof ByteString bytes) {
            return "<bytes, " + bytes.size() + ">";
        }
        if (value instanceof EnumValueDescriptor e) {
            return e.getName();
        }
        return value instanceof String s ? JSON.valueToTree(s).toString() : String.valueOf(value);
    }

    private static int size(Object value) {
        return value instanceof ByteString b ? b.size() : value.toString().getBytes(StandardCharsets.UTF_8).length;
    }

    /** Raw fields: {@code <number> <wire type>: <value>}; varints as numbers, byte strings by length (meaning unknown). */
    static String describeRaw(ByteString bytes, String indent) {
        UnknownFieldSet fields;
        try {
            fields = UnknownFieldSet.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return indent + "(not a protobuf message: " + bytes.size() + " bytes)\n";
        }
        StringBuilder text = new StringBuilder();
        for (Map.Entry<Integer, UnknownFieldSet.Field> entry : fields.asMap().entrySet()) {
            int number = entry.getKey();
            UnknownFieldSet.Field f = entry.getValue();
            f.getVarintList().forEach(v -> text.append(indent).append(number).append(" varint: ").append(v).append('\n'));
            f.getFixed32List().forEach(v -> text.append(indent).append(number).append(" fixed32: ").append(v).append('\n'));
            f.getFixed64List().forEach(v -> text.append(indent).append(number).append(" fixed64: ").append(v).append('\n'));
            for (ByteString value : f.getLengthDelimitedList()) {
                text.append(indent).append(number).append(" bytes: <").append(value.size()).append(" bytes>\n");
            }
        }
        return text.toString();
    }

    private static JsonNode redact(JsonNode node) {
        if (node instanceof ObjectNode object) {
            var names = new ArrayList<String>();
            object.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                JsonNode value = object.get(name);
                if (SECRET_KEY.matcher(name).find() && value.isValueNode()) {
                    object.put(name, "<redacted>");
                } else if (value.isTextual() && UriPasswords.carriesPassword(value.asText())) {
                    object.put(name, UriPasswords.redact(value.asText()));
                } else {
                    redact(object.get(name));
                }
            }
        } else if (node.isArray()) {
            node.forEach(CaptureLog::redact);
        }
        return node;
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
