package io.sandboxer.adapter.customexecutor;

import java.time.Duration;
import java.time.Instant;

/** Progress lines on the {@link Diagnostics} channel, with the time since the stage started: what it waits for and how long. */
final class Progress {
    private final Instant start = Instant.now();

    void say(String message) {
        Diagnostics.stream().printf("[sandboxer %5.1fs] %s%n", Duration.between(start, Instant.now()).toMillis() / 1000.0, message);
        Diagnostics.stream().flush();
    }

    Duration elapsed() {
        return Duration.between(start, Instant.now());
    }
}
