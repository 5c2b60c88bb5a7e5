package io.sandboxer.core.provider;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link Relabeling#relabel} does to a sandbox: {@code put} these labels; only when it carries no label
 * {@code unlessLabelled} (null: unconditionally); and, when {@code newExpiry} is set, let it expire that long from now
 * ({@link #BACKEND_TTL}: as long as the backend's configured TTL, as a sandbox created now would).
 */
public record LabelChange(Map<String, String> put, String unlessLabelled, Duration newExpiry) {
    /** "The backend's own TTL from now", for a claim whose job names none. */
    public static final Duration BACKEND_TTL = Duration.ofSeconds(-1);

    public LabelChange {
        put = Map.copyOf(Objects.requireNonNull(put, "put"));
        if (unlessLabelled != null && !put.containsKey(unlessLabelled)) {
            throw new IllegalArgumentException("a guarded change must set its guard label " + unlessLabelled);
        }
    }

    public static LabelChange put(Map<String, String> labels) {
        return new LabelChange(labels, null, null);
    }

    public boolean keepsExpiry() {
        return newExpiry == null;
    }

    public boolean backendTtl() {
        return BACKEND_TTL.equals(newExpiry);
    }
}
