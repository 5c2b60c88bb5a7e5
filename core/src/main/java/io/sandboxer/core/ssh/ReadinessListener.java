package io.sandboxer.core.ssh;

import java.time.Duration;

/** Told about each failed readiness attempt, so long waits can show progress ("waiting for SSH, 40 s"). */
@FunctionalInterface
public interface ReadinessListener {
    void attemptFailed(int attempt, Duration elapsed, SshException reason);

    ReadinessListener NONE = (attempt, elapsed, reason) -> { };
}
