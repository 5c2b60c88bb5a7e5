package io.sandboxer.adapter.fleeting;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HeapTrimTest {

    @Test
    void collectsAfterAShrinkAtMostOncePerInterval() {
        ManualClock clock = new ManualClock(Instant.parse("2026-12-01T10:00:00Z"));
        HeapTrim trim = new HeapTrim(clock);
        assertTrue(trim.afterShrink(), "the first shrink collects");
        assertFalse(trim.afterShrink(), "a burst of Decreases collects once");
        clock.advance(HeapTrim.MIN_INTERVAL.minus(Duration.ofSeconds(1)));
        assertFalse(trim.afterShrink());
        clock.advance(Duration.ofSeconds(1));
        assertTrue(trim.afterShrink(), "again once the interval has passed");
    }
}
