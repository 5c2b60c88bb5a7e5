package io.sandboxer.adapter.fleeting.logging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * One hclog JSON line, as go-plugin's host parses plugin stderr: {@code @level}, {@code @message},
 * {@code @timestamp} with exactly six fractional digits (otherwise the host treats the whole line as plain
 * text), {@code @module}, and further fields.
 */
public final class HclogFormat {
    public static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX").withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    private HclogFormat() {
    }

    public static String line(String level, String message, Instant at, String module, Map<String, String> fields) {
        ObjectNode node = JSON.createObjectNode();
        node.put("@level", level);
        node.put("@message", message);
        node.put("@timestamp", TIMESTAMP.format(at));
        if (module != null) {
            node.put("@module", module);
        }
        fields.forEach(node::put);
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            return "{\"@level\":\"error\",\"@message\":\"unloggable message\",\"@timestamp\":\"" + TIMESTAMP.format(at) + "\"}";
        }
    }
}
