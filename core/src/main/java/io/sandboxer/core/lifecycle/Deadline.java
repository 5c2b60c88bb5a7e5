package io.sandboxer.core.lifecycle;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** When a wait gives up, on an injected clock (waits never read the system time themselves). */
public record Deadline(Instant start, Instant at, Clock clock) {
    public Deadline {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(clock, "clock");
    }

    public static Deadline after(Duration budget, Clock clock) {
        Instant now = clock.instant();
        return new Deadline(now, now.plus(budget), clock);
    }

    public Duration remaining() {
        Duration left = Duration.between(clock.instant(), at);
        return left.isNegative() ? Duration.ZERO : left;
    }

    public Duration elapsed() {
        return Duration.between(start, clock.instant());
    }

    public Duration budget() {
        return Duration.between(start, at);
    }

    public boolean isExpired() {
        return !clock.instant().isBefore(at);
    }
}
