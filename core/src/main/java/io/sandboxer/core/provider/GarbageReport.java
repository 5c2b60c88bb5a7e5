package io.sandboxer.core.provider;

import java.util.List;
import java.util.Map;

/**
 * What a garbage collection found: sandboxes and side resources (for example Secrets whose VMI is gone) that
 * were deleted, or would be in a dry run, and the ones whose deletion failed.
 */
public record GarbageReport(boolean dryRun, List<String> expiredSandboxes, List<String> orphans, Map<String, String> failures) {
    public GarbageReport {
        expiredSandboxes = List.copyOf(expiredSandboxes);
        orphans = List.copyOf(orphans);
        failures = Map.copyOf(failures);
    }
}
