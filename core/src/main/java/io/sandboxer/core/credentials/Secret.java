package io.sandboxer.core.credentials;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A password, private key or token. {@link #toString()} never prints the value, so a secret can travel
 * inside records, exceptions and log arguments without leaking. Jackson can read one from a JSON string
 * but has no way to write it back out: there is deliberately no getter.
 */
public final class Secret {
    private static final String MASK = "******";
    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "secret value");
    }

    @JsonCreator
    public static Secret of(String value) {
        return new Secret(value);
    }

    /** The secret itself: call this only where the value must leave the process (SSH auth, a 0600 file, a Secret object). */
    public String reveal() {
        return value;
    }

    public byte[] revealBytes() {
        return value.getBytes(StandardCharsets.UTF_8);
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret s
                && MessageDigest.isEqual(s.value.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return MASK;
    }

    /** How a secret is shown in messages: never the value. */
    public static String masked() {
        return MASK;
    }
}
