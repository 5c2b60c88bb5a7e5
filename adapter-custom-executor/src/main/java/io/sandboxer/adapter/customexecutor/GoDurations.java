package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.settings.GoDuration;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters for Go-style duration options ({@code 10s}, {@code 1h}); picocli names the option in the error. */
final class GoDurations {
    private GoDurations() {
    }

    /** A duration greater than zero (a timeout, a budget). */
    static final class Positive implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            Duration d = NotNegative.read(value);
            if (d.isZero()) {
                throw new TypeConversionException(value + " must be positive");
            }
            return d;
        }
    }

    /** A duration of zero or more (a grace period that may be off). */
    static final class NotNegative implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return read(value);
        }

        static Duration read(String value) {
            try {
                Duration d = GoDuration.parse(value);
                if (d.isNegative()) {
                    throw new TypeConversionException(value + " must not be negative");
                }
                return d;
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
