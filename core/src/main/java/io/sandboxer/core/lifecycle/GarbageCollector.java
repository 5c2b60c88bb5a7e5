package io.sandboxer.core.lifecycle;

import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.provider.GarbageQuery;
import io.sandboxer.core.provider.GarbageReport;
import io.sandboxer.core.provider.OrphanCollector;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Expiry and garbage collection for every backend: deletes the group's sandboxes whose expiry passed (or, without an
 * expiry, that are older than the query's {@code maxAge}), then lets a backend that is an {@link OrphanCollector}
 * remove its leftovers. A dry run deletes nothing and reports what would go.
 */
public final class GarbageCollector {
    private final SandboxProvider provider;
    private final Clock clock;

    public GarbageCollector(SandboxProvider provider, Clock clock) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public GarbageReport collect(GarbageQuery query) {
        Instant now = clock.instant();
        List<String> expired = new ArrayList<>();
        Map<String, String> failures = new LinkedHashMap<>();
        for (Sandbox sandbox : provider.list()) {
            if (isGarbage(sandbox, now, query.maxAge())) {
                expired.add(sandbox.id());
                if (!query.dryRun()) {
                    try {
                        provider.delete(sandbox.id());
                    } catch (SandboxException e) {
                        failures.put(sandbox.id(), e.getMessage());
                    }
                }
            }
        }
        List<String> orphans = List.of();
        if (provider instanceof OrphanCollector collector) {
            GarbageReport leftovers = collector.collectOrphans(query);
            orphans = leftovers.orphans();
            failures.putAll(leftovers.failures());
        }
        return new GarbageReport(query.dryRun(), expired, orphans, failures);
    }

    /** {@link #collect} with only expiries and {@code maxAge} (null: expiries only). */
    public GarbageReport collect(Duration maxAge, boolean dryRun) {
        return collect(GarbageQuery.of(maxAge, dryRun));
    }

    private static boolean isGarbage(Sandbox sandbox, Instant now, Duration maxAge) {
        boolean byTtl = sandbox.isExpired(now);
        boolean byAge = sandbox.expiresAt() == null && maxAge != null && sandbox.createdAt() != null && sandbox.createdAt().plus(maxAge).isBefore(now);
        return byTtl || byAge;
    }
}
