package io.sandboxer.adapter.customexecutor;

import java.time.Duration;
import java.time.Instant;

/** Progress lines for the job log (stderr): what the stage waits for and for how long. */
final class Progress {
    private final Instant start = Instant.now();

    void say(String message) {
        System.err.printf("[sandboxer %5.1fs] %s%n", Duration.between(start, Instant.now()).toMillis() / 1000.0, message);
        System.err.flush();
    }

    Duration elapsed() {
        return Duration.between(start, Instant.now());
    }
}
