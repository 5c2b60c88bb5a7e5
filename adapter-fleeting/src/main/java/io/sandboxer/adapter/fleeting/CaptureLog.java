package io.sandboxer.adapter.fleeting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.sandboxer.adapter.fleeting.logging.HclogFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Capture mode: each gRPC call the host makes is written to a file as the full method name and the request's raw
 * protobuf fields (number, wire type, value, nested messages decoded where they parse), so an operator with a
 * real runner can confirm or correct fleeting.proto in one run. Raw protobuf carries no field names, so secrets
 * cannot be recognised by name: text is shown only when it is JSON (keys that look secret redacted), a known
 * connector word, a number or an instance name; PEM blocks and any other text appear as their length only.
 * The file is created 0600.
 */
final class CaptureLog implements AutoCloseable {
    private static final Pattern SECRET_KEY = Pattern.compile("(?i)pass|secret|token|private|credential|key");
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

    synchronized void record(String fullMethodName, byte[] request, String outcome) {
        try {
            out.write("=== " + HclogFormat.TIMESTAMP.format(Instant.now()) + " " + fullMethodName + " (" + request.length + " bytes) -> " + outcome + "\n");
            out.write(describe(ByteString.copyFrom(request), "  "));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fields of a message, one per line: {@code <number> <wire type>: <value>}, nested messages indented. */
    static String describe(ByteString bytes, String indent) {
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
                text.append(indent).append(number).append(" bytes(").append(value.size()).append("): ").append(render(value)).append('\n');
                if (!isText(value) && value.size() > 0) {
                    String nested = describe(value, indent + "    ");
                    if (!nested.contains("not a protobuf message")) {
                        text.append(nested);
                    }
                }
            }
        }
        return text.toString();
    }

    private static String render(ByteString value) {
        if (!isText(value)) {
            return "<binary>";
        }
        String text = value.toStringUtf8();
        if (text.contains("-----BEGIN")) {
            return "<redacted PEM block>";
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("{")) {
            try {
                return redact(JSON.readTree(trimmed)).toString();
            } catch (IOException ignored) {
                // not JSON after all
            }
        }
        if (SAFE_WORDS.contains(trimmed) || SAFE_SHAPES.matcher(trimmed).matches()) {
            return JSON.valueToTree(text).toString();
        }
        return "<text, " + text.length() + " chars>"; // might be a password: shown by length only
    }

    /** Values a connector config holds that are never secret, shown as they are. */
    private static final java.util.Set<String> SAFE_WORDS = java.util.Set.of("linux", "windows", "darwin", "amd64", "arm64", "386", "arm",
            "ssh", "winrm", "winrm+https", "true", "false", "core", "root");
    /** Numbers, durations and instance names (prefix-yyyyMMdd-HHmmss-yyyyMMdd-HHmmss-hex). */
    private static final Pattern SAFE_SHAPES = Pattern.compile("^(\\d+(\\.\\d+)?(ns|us|ms|s|m|h)?|[a-z0-9-]+-\\d{8}-\\d{6}-\\d{8}-\\d{6}-[0-9a-f]{6})$");

    private static JsonNode redact(JsonNode node) {
        if (node instanceof ObjectNode object) {
            var names = new java.util.ArrayList<String>();
            object.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                if (SECRET_KEY.matcher(name).find() && object.get(name).isValueNode()) {
                    object.put(name, "<redacted>");
                } else {
                    redact(object.get(name));
                }
            }
        } else if (node.isArray()) {
            node.forEach(CaptureLog::redact);
        }
        return node;
    }

    private static boolean isText(ByteString value) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(value.asReadOnlyByteBuffer()).toString();
            return s.chars().allMatch(c -> c == '\n' || c == '\r' || c == '\t' || c >= 0x20);
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
