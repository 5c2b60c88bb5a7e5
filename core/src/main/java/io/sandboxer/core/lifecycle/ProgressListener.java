package io.sandboxer.core.lifecycle;

import java.time.Duration;
import java.util.function.Consumer;

/** The one channel every lifecycle step and wait reports through, so users see progress on long waits. */
public interface ProgressListener {

    /** A step that is starting: "deleting the leftover of an earlier attempt". */
    void step(String message);

    /** What a wait is waiting for (with the last reason), now and then. */
    void waiting(String what, Duration elapsed);

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
