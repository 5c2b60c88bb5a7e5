package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.settings.GoDuration;
import java.time.Duration;

/** Go-style duration options ({@code 10s}, {@code 1h}), with errors that name the option. */
final class Durations {
    private Durations() {
    }

    static Duration parse(String option, String value) {
        Duration d = parseAllowingZero(option, value);
        if (d.isZero()) {
            throw new StageException(option + " " + value + " must be positive");
        }
        return d;
    }

    static Duration parseAllowingZero(String option, String value) {
        try {
            Duration d = GoDuration.parse(value);
            if (d.isNegative()) {
                throw new StageException(option + " " + value + " must not be negative");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new StageException(option + ": " + e.getMessage(), e);
        }
    }
}
