package io.sandboxer.core.lifecycle;

import java.time.Duration;

/** Delays between attempts: from {@code initial}, times {@code factor}, at most {@code max}. */
public record Backoff(Duration initial, Duration max, double factor) {
    /** For a booting guest: the first retries come quickly, later ones do not hammer it. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(250), Duration.ofSeconds(2), 2.0);

    public Duration after(Duration previous) {
        long next = (long) (previous.toMillis() * factor);
        return Duration.ofMillis(Math.min(max.toMillis(), Math.max(next, initial.toMillis())));
    }
}
