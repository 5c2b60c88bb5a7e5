package io.sandboxer.adapter.customexecutor;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;

/**
 * The runner cancels a stage with SIGTERM (then SIGKILL). The stage must stop promptly: interrupt the waiting
 * thread and run the registered action (closing the SSH channel, so the remote command loses its session).
 */
final class Cancellation {
    private final AtomicReference<Runnable> action = new AtomicReference<>(() -> { });
    private final CountDownLatch actionDone = new CountDownLatch(1);
    private volatile boolean cancelled;

    static Cancellation onSigterm() {
        Cancellation c = new Cancellation();
        Thread main = Thread.currentThread();
        Runnable handler = () -> {
            c.cancelled = true;
            Diagnostics.say("cancelled (SIGTERM): stopping");
            try {
                c.action.get().run();
            } finally {
                c.actionDone.countDown();
                main.interrupt();
            }
        };
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> handler.run());
            } catch (IllegalArgumentException ignored) {
                // not on this platform
            }
        }
        return c;
    }

    void whenCancelled(Runnable onCancel) {
        action.set(onCancel);
    }

    boolean isCancelled() {
        return cancelled;
    }

    /**
     * After a cancel, waits (at most {@code limit}) for the registered action to finish. The action runs on the
     * signal's thread, which the JVM does not wait for: a stage that returned at once would exit before, say, the
     * remote process group was killed (seen on a real guest).
     */
    void awaitAction(Duration limit) {
        if (!cancelled) {
            return;
        }
        try {
            if (!actionDone.await(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                Diagnostics.say("the cancel action did not finish within " + limit.toSeconds() + " s; exiting anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the handler interrupts this thread when it is done; that is the end anyway
        }
    }
}
