package io.sandboxer.it.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Where benchmarks put their numbers: stdout and {@code target/benchmarks.md} (one table row per result), from
 * which docs/benchmarks.md is updated by hand. Benchmarks report; they never assert a timing.
 */
final class BenchmarkReport {
    static final Path FILE = Path.of("target/benchmarks.md");

    private BenchmarkReport() {
    }

    static void row(String benchmark, String measure, String value) {
        String line = "| " + benchmark + " | " + measure + " | " + value + " |";
        System.out.println(line);
        try {
            Files.writeString(FILE, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Duration median(List<Duration> samples) {
        List<Duration> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** "1.234 s" or "56 ms". */
    static String format(Duration d) {
        return d.toMillis() >= 1000 ? String.format("%.3f s", d.toNanos() / 1e9) : d.toMillis() + " ms";
    }

    /** "median 1.234 s (min 1.1 s, max 1.5 s, n=7)". */
    static String summary(List<Duration> samples) {
        return "median " + format(median(samples)) + " (min " + format(Collections.min(samples)) + ", max " + format(Collections.max(samples))
                + ", n=" + samples.size() + ")";
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
