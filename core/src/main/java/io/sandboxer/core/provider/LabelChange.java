package io.sandboxer.core.provider;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link Relabeling#relabel} does to a sandbox: {@code put} these labels, only when it carries no label
 * {@code unlessLabelled} (null: unconditionally), and set its {@link Expiry}.
 */
public record LabelChange(Map<String, String> put, String unlessLabelled, Expiry expiry) {

    public LabelChange {
        put = Map.copyOf(Objects.requireNonNull(put, "put"));
        if (unlessLabelled != null && !put.containsKey(unlessLabelled)) {
            throw new IllegalArgumentException("a guarded change must set its guard label " + unlessLabelled);
        }
        expiry = Objects.requireNonNullElse(expiry, Expiry.KEEP);
    }

    /** Labels put unconditionally, the expiry kept. */
    public static LabelChange put(Map<String, String> labels) {
        return new LabelChange(labels, null, Expiry.KEEP);
    }

    /** What a relabel does to the sandbox's expiry. */
    public sealed interface Expiry {
        /** Unchanged. */
        Expiry KEEP = new Keep();
        /** As long from now as the backend's configured TTL (none when it has none), as a sandbox created now would get. */
        Expiry BACKEND_TTL = new BackendTtl();

        static Expiry after(Duration ttl) {
            return new After(ttl);
        }

        /** Whether the expiry stays as it is. */
        default boolean keeps() {
            return this instanceof Keep;
        }

        /** The TTL from now this asks for, given the backend's own (null: none); a change that keeps the expiry has none to give. */
        default Duration ttlFromNow(Duration backendTtl) {
            return switch (this) {
                case Keep keep -> throw new IllegalStateException("the expiry is kept; there is no new TTL");
                case BackendTtl backend -> backendTtl;
                case After after -> after.ttl();
            };
        }

        record Keep() implements Expiry {
        }

        record BackendTtl() implements Expiry {
        }

        record After(Duration ttl) implements Expiry {
            public After {
                if (ttl == null || ttl.isNegative() || ttl.isZero()) {
                    throw new IllegalArgumentException("a new expiry must be a positive duration from now, not " + ttl);
                }
            }
        }
    }
}
