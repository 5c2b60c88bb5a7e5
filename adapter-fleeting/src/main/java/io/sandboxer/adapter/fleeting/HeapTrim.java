package io.sandboxer.adapter.fleeting;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Gives memory back after the group shrank. The plugin runs with the Serial GC, which returns heap to the system
 * only at a full collection (down to -XX:MaxHeapFreeRatio); a plugin that scaled to 100 instances and back would
 * otherwise keep their peak footprint for as long as it idles. At most one collection per {@link #MIN_INTERVAL},
 * off the caller's thread: a full collection of this small heap takes milliseconds.
 */
final class HeapTrim {
    static final Duration MIN_INTERVAL = Duration.ofSeconds(30);

    private final Clock clock;
    private final AtomicReference<Instant> last = new AtomicReference<>(Instant.MIN);

    HeapTrim(Clock clock) {
        this.clock = clock;
    }

    /** The group has shrunk: collect (in the background) unless that was done less than {@link #MIN_INTERVAL} ago. */
    boolean afterShrink() {
        Instant now = clock.instant();
        Instant previous = last.get();
        if (previous.isAfter(now.minus(MIN_INTERVAL)) || !last.compareAndSet(previous, now)) {
            return false;
        }
        Thread.ofVirtual().name("heap-trim").start(System::gc);
        return true;
    }
}
