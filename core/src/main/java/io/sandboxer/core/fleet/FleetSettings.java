package io.sandboxer.core.fleet;

import java.util.Objects;

/**
 * Group-level limits: the name prefix, how many instances may exist, how many are created at once, and the
 * start-up sweep policy.
 */
public record FleetSettings(String namePrefix, int maxSize, int maxParallelCreates, SweepPolicy sweepPolicy) {
    public static final int DEFAULT_PARALLEL_CREATES = 4;

    public FleetSettings {
        namePrefix = Objects.requireNonNullElse(namePrefix, InstanceName.DEFAULT_PREFIX);
        if (!InstanceName.isValidPrefix(namePrefix)) {
            throw new IllegalArgumentException("name prefix \"" + namePrefix + "\" is not allowed: " + InstanceName.prefixRule());
        }
        if (maxSize < 1) {
            throw new IllegalArgumentException("max size " + maxSize + " must be at least 1");
        }
        if (maxParallelCreates < 1) {
            throw new IllegalArgumentException("parallel creates " + maxParallelCreates + " must be at least 1");
        }
        sweepPolicy = Objects.requireNonNullElse(sweepPolicy, SweepPolicy.DELETE);
    }

    public static FleetSettings of(int maxSize) {
        return new FleetSettings(InstanceName.DEFAULT_PREFIX, maxSize, DEFAULT_PARALLEL_CREATES, SweepPolicy.DELETE);
    }
}
