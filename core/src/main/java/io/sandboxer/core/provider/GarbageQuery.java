package io.sandboxer.core.provider;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * What a garbage collection removes.
 *
 * @param maxAge       sandboxes without an expiry older than this count as expired; null: only expiries count
 * @param dryRun       only report what would be deleted
 * @param namePrefixes name prefixes besides the backend's own (its Fleeting {@code domain_prefix}) whose leftovers
 *                     are sandboxer's too: the custom executor names its sandboxes {@code <--name-prefix>-j<job id>-…},
 *                     so its {@code gc} passes that prefix and finds what a killed {@code prepare} left
 * @param orphanGrace  a leftover younger than this is spared (a create may be in progress in another process);
 *                     zero when the caller knows nothing else creates in the group (a plugin's start-up sweep)
 */
public record GarbageQuery(Duration maxAge, boolean dryRun, Set<String> namePrefixes, Duration orphanGrace) {
    public GarbageQuery {
        namePrefixes = Set.copyOf(namePrefixes);
        orphanGrace = Objects.requireNonNullElse(orphanGrace, Duration.ZERO);
        if (orphanGrace.isNegative()) {
            throw new IllegalArgumentException("orphanGrace must not be negative: " + orphanGrace);
        }
    }

    public static GarbageQuery of(Duration maxAge, boolean dryRun) {
        return new GarbageQuery(maxAge, dryRun, Set.of(), Duration.ZERO);
    }
}
