package io.sandboxer.core.ssh;

import java.time.Duration;
import java.util.Objects;

/**
 * Connection tuning. {@code connectTimeout} bounds TCP connect and the handshake; {@code keepAlive} detects a
 * dead peer during long silent commands (there is deliberately no read timeout: a build may print nothing
 * for an hour).
 */
public record SshOptions(Duration connectTimeout, Duration keepAlive) {
    public static final SshOptions DEFAULT = new SshOptions(Duration.ofSeconds(10), Duration.ofSeconds(15));

    public SshOptions {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(keepAlive, "keepAlive");
    }

    public SshOptions withConnectTimeout(Duration timeout) {
        return new SshOptions(timeout, keepAlive);
    }
}
