package io.sandboxer.adapter.fleeting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The orphan watch on a scripted parent pid; the real kill -9 of a real host is in it-tests (FleetingLibvirtIT). */
class ParentWatchTest {

    @Test
    void aChangedParentPidEndsThePluginOnce() throws Exception {
        AtomicLong parent = new AtomicLong(4242);
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch orphaned = new CountDownLatch(1);
        ParentWatch.start(() -> Optional.of(parent.get()), Duration.ofMillis(10), () -> {
            calls.incrementAndGet();
            orphaned.countDown();
        });
        assertFalse(orphaned.await(200, TimeUnit.MILLISECONDS), "the parent is alive: nothing happens");
        parent.set(1); // re-parented to init: the runner is gone
        assertTrue(orphaned.await(10, TimeUnit.SECONDS), "the plugin noticed");
        assertEquals(1, calls.get());
    }

    @Test
    void aParentThatVanishesCountsAsGone() throws Exception {
        AtomicLong parent = new AtomicLong(4242);
        CountDownLatch orphaned = new CountDownLatch(1);
        ParentWatch.start(() -> parent.get() == 0 ? Optional.empty() : Optional.of(parent.get()), Duration.ofMillis(10), orphaned::countDown);
        parent.set(0);
        assertTrue(orphaned.await(10, TimeUnit.SECONDS));
    }

    @Test
    void startedByInitThereIsNothingToWatch() throws Exception {
        CountDownLatch orphaned = new CountDownLatch(1);
        ParentWatch.start(() -> Optional.of(1L), Duration.ofMillis(10), orphaned::countDown);
        assertFalse(orphaned.await(200, TimeUnit.MILLISECONDS), "a plugin whose parent is already init is not ended at once");
    }
}
