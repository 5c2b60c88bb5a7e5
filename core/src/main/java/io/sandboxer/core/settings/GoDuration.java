package io.sandboxer.core.settings;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations written as Go's {@code time.ParseDuration} reads them ({@code 90s}, {@code 10m}, {@code 1h30m},
 * {@code 500ms}), the notation of the Go tools whose configurations sandboxer accepts unchanged. ISO-8601
 * ({@code PT10M}) is accepted too.
 */
public final class GoDuration {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");
    public static final String ALLOWED = "a duration such as 90s, 10m, 1h30m or 500ms";
    /** Go's own limit (an int64 of nanoseconds, about 292 years): a longer value is an error there too. */
    private static final String MAX_TEXT = "2562047h47m16.854775807s";

    private GoDuration() {
    }

    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration: write " + ALLOWED);
        }
        String t = text.trim();
        if (t.startsWith("P") || t.startsWith("p")) {
            try {
                Duration iso = Duration.parse(t);
                iso.toNanos(); // beyond Go's limit: ArithmeticException, reported below
                return iso;
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("\"" + text + "\" is not " + ALLOWED);
            }
        }
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        Matcher m = PART.matcher(t);
        int position = 0;
        long nanos = 0;
        while (m.find()) {
            if (m.start() != position) {
                throw new IllegalArgumentException("\"" + text + "\" is not " + ALLOWED);
            }
            position = m.end();
            double number = Double.parseDouble(m.group(1));
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            double part = number * unit;
            if (part >= Long.MAX_VALUE - nanos) {
                throw new IllegalArgumentException("\"" + text + "\" is longer than the longest duration, " + MAX_TEXT);
            }
            nanos += Math.round(part);
        }
        if (position != t.length() || position == 0) {
            throw new IllegalArgumentException("\"" + text + "\" is not " + ALLOWED);
        }
        return Duration.ofNanos(nanos);
    }

    /** Go's own rendering, for messages: {@code 1h30m0s}. */
    public static String format(Duration duration) {
        long seconds = duration.getSeconds();
        StringBuilder out = new StringBuilder();
        if (seconds >= 3600) {
            out.append(seconds / 3600).append('h');
            seconds %= 3600;
            out.append(seconds / 60).append('m');
            seconds %= 60;
        } else if (seconds >= 60) {
            out.append(seconds / 60).append('m');
            seconds %= 60;
        }
        int millis = duration.toMillisPart();
        out.append(millis == 0 ? Long.toString(seconds) : String.format(Locale.ROOT, "%d.%03d", seconds, millis)).append('s');
        return out.toString();
    }
}
