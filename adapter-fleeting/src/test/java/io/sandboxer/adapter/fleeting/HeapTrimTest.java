package io.sandboxer.adapter.fleeting;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HeapTrimTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final HeapTrim trim = new HeapTrim(clock);

    @Test
    void collectsAfterAShrinkAtMostOncePerInterval() {
        assertTrue(trim.afterShrink(), "the first shrink collects");
        assertFalse(trim.afterShrink(), "a burst of Decreases collects once");
        clock.advance(HeapTrim.MIN_INTERVAL.minus(Duration.ofSeconds(1)));
        assertFalse(trim.afterShrink());
        clock.advance(Duration.ofSeconds(1));
        assertTrue(trim.afterShrink(), "again once the interval has passed");
    }

    @Test
    void aShrinkInsideTheIntervalIsCollectedByTheFirstUpdateAfterIt() {
        assertTrue(trim.afterShrink());
        clock.advance(Duration.ofSeconds(5));
        assertFalse(trim.afterShrink(), "the burst's later Decrease: owed");
        assertFalse(trim.onUpdate(), "not before the interval has passed");
        clock.advance(HeapTrim.MIN_INTERVAL);
        assertTrue(trim.onUpdate(), "the owed collection");
        clock.advance(HeapTrim.MIN_INTERVAL);
        assertFalse(trim.onUpdate(), "nothing owed any more: idle Updates do not collect");
    }

    @Test
    void updatesWithoutAShrinkNeverCollect() {
        clock.advance(Duration.ofHours(1));
        assertFalse(trim.onUpdate());
    }
}
