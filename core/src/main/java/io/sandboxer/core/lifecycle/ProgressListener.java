package io.sandboxer.core.lifecycle;

import java.time.Duration;
import java.util.function.Consumer;

/** The one channel every lifecycle step and wait reports through, so users see progress on long waits. */
public interface ProgressListener {

    /** A step that is starting: "deleting the leftover of an earlier attempt". */
    void step(String message);

    /** What a wait is waiting for (with the last reason), now and then. */
    void waiting(String what, Duration elapsed);

    /**
     * The sandbox {@code id} now exists (the leftover of an earlier attempt is gone) and the waits begin: what should
     * run alongside the guest's boot (the custom executor's connection agent) can start now.
     */
    default void created(String id) {
    }

    /** This listener, which also runs {@code action} with the sandbox's id once it is created. */
    default ProgressListener alsoOnCreated(Consumer<String> action) {
        ProgressListener self = this;
        return new ProgressListener() {
            @Override
            public void step(String message) {
                self.step(message);
            }

            @Override
            public void waiting(String what, Duration elapsed) {
                self.waiting(what, elapsed);
            }

            @Override
            public void created(String id) {
                self.created(id);
                action.accept(id);
            }
        };
    }

    /** Both kinds as lines for {@code say}: the step as it is, a wait as "waiting for <what>". */
    static ProgressListener lines(Consumer<String> say) {
        return new ProgressListener() {
            @Override
            public void step(String message) {
                say.accept(message);
            }

            @Override
            public void waiting(String what, Duration elapsed) {
                say.accept("waiting for " + what);
            }
        };
    }

    ProgressListener SILENT = new ProgressListener() {
        @Override
        public void step(String message) {
        }

        @Override
        public void waiting(String what, Duration elapsed) {
        }
    };
}
