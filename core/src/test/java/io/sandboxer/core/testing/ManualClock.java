package io.sandboxer.core.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that moves only when the test says so, or by a fixed step at every reading: for time-based behaviour
 * (backoffs, deadlines, expiries) without waiting.
 */
public final class ManualClock extends Clock {
    private final Duration stepPerReading;
    private Instant now;

    public ManualClock(Instant start) {
        this(start, Duration.ZERO);
    }

    private ManualClock(Instant start, Duration stepPerReading) {
        this.now = start;
        this.stepPerReading = stepPerReading;
    }

    /** A clock that is {@code step} later at every reading: each look at the time "takes" that long. */
    public static ManualClock stepping(Instant start, Duration step) {
        return new ManualClock(start, step);
    }

    public synchronized void advance(Duration by) {
        now = now.plus(by);
    }

    @Override
    public synchronized Instant instant() {
        now = now.plus(stepPerReading);
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
