package io.sandboxer.core.bootstrap;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The bytes a guest consumes, by part name: {@code config.ign} for Ignition; {@code user-data},
 * {@code meta-data} and optionally {@code network-config} for cloud-init. Parts may hold secrets (password
 * hashes, host keys): never log them, and store them with restrictive modes.
 */
public record RenderedBootstrap(String format, Map<String, byte[]> parts) {
    public RenderedBootstrap {
        Objects.requireNonNull(format, "format");
        parts = Collections.unmodifiableMap(new LinkedHashMap<>(parts));
    }

    public byte[] part(String name) {
        byte[] bytes = parts.get(name);
        if (bytes == null) {
            throw new IllegalArgumentException(format + " bootstrap has no part \"" + name + "\"; parts: " + parts.keySet());
        }
        return bytes.clone();
    }

    public String partAsText(String name) {
        return new String(part(name), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RenderedBootstrap[" + format + ", parts " + parts.keySet() + "]";
    }
}
