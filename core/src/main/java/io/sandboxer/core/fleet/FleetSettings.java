package io.sandboxer.core.fleet;

import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.group.InstanceName;
import io.sandboxer.core.group.SweepPolicy;
import java.util.Objects;

/**
 * Group-level limits: the name prefix, how many instances may exist, how many are created at once, the start-up
 * sweep policy, and whether a failed instance is deleted by the Fleet itself ({@code deleteFailed}: the Fleeting
 * runner stops tracking broken instances without deleting them) or only reported.
 */
public record FleetSettings(String namePrefix, int maxSize, int maxParallelCreates, SweepPolicy sweepPolicy, boolean deleteFailed) {
    public static final int DEFAULT_PARALLEL_CREATES = GroupSettings.DEFAULT_PARALLEL_CREATES;

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

    /** The Fleet's part of a group's settings; {@code max_size} must be set (the Fleeting plugin requires it). */
    public FleetSettings(String namePrefix, int maxSize, int maxParallelCreates, SweepPolicy sweepPolicy) {
        this(namePrefix, maxSize, maxParallelCreates, sweepPolicy, false);
    }

    /** These settings, with failed instances deleted by the Fleet and reported as deleting. */
    public FleetSettings deletingFailed() {
        return new FleetSettings(namePrefix, maxSize, maxParallelCreates, sweepPolicy, true);
    }

    public static FleetSettings of(GroupSettings group) {
        return new FleetSettings(group.prefix(), Objects.requireNonNull(group.maxSize(), "max_size"), group.maxParallelCreates(),
                group.sweepPolicy());
    }

    public static FleetSettings of(int maxSize) {
        return new FleetSettings(InstanceName.DEFAULT_PREFIX, maxSize, DEFAULT_PARALLEL_CREATES, SweepPolicy.DELETE);
    }
}
