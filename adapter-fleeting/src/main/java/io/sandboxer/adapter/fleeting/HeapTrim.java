package io.sandboxer.adapter.fleeting;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Gives memory back after the group shrank. The plugin runs with the Serial GC, which returns heap to the system
 * only at a full collection (down to -XX:MaxHeapFreeRatio, in one step with -XX:-ShrinkHeapInSteps); a plugin that
 * scaled to 100 instances and back would otherwise keep their peak footprint for as long as it idles. At most one
 * collection per {@link #MIN_INTERVAL}, off the caller's thread: a full collection of this small heap takes
 * milliseconds. The runner decreases in bursts, and the instances' last garbage comes after the first Decrease of a
 * burst, so a shrink inside the interval is not dropped but owed: the next Update after the interval collects it.
 */
final class HeapTrim {
    static final Duration MIN_INTERVAL = Duration.ofSeconds(30);

    private final Clock clock;
    private Instant last = Instant.MIN;
    private boolean owed;

    HeapTrim(Clock clock) {
        this.clock = clock;
    }

    /** The group has shrunk: collect now, or once the interval since the last collection has passed. */
    synchronized boolean afterShrink() {
        owed = true;
        return collectIfDue();
    }

    /** An Update: the moment to pay an owed collection. */
    synchronized boolean onUpdate() {
        return owed && collectIfDue();
    }

    private boolean collectIfDue() {
        Instant now = clock.instant();
        if (last.isAfter(now.minus(MIN_INTERVAL))) {
            return false;
        }
        last = now;
        owed = false;
        Thread.ofVirtual().name("heap-trim").start(System::gc);
        return true;
    }
}
