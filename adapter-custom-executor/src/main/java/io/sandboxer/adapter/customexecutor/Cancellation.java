package io.sandboxer.adapter.customexecutor;

import java.util.concurrent.atomic.AtomicReference;
import sun.misc.Signal;

/**
 * The runner cancels a stage with SIGTERM (then SIGKILL). The stage must stop promptly: interrupt the waiting
 * thread and run the registered action (closing the SSH channel, so the remote command loses its session).
 */
final class Cancellation {
    private final AtomicReference<Runnable> action = new AtomicReference<>(() -> { });
    private volatile boolean cancelled;

    static Cancellation onSigterm() {
        Cancellation c = new Cancellation();
        Thread main = Thread.currentThread();
        Runnable handler = () -> {
            c.cancelled = true;
            System.err.println("[sandboxer] cancelled (SIGTERM): stopping");
            c.action.get().run();
            main.interrupt();
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
}
