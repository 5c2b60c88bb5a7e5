package io.sandboxer.core.provider;

import java.time.Duration;

/** Told, now and then, what a long wait is waiting for and for how long, so users see progress. */
@FunctionalInterface
public interface WaitProgress {
    void waiting(String what, Duration elapsed);

    WaitProgress SILENT = (what, elapsed) -> { };
}
