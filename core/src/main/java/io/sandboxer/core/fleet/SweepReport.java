package io.sandboxer.core.fleet;

import java.util.List;
import java.util.Map;

/**
 * What the start-up sweep found and did: whole instances deleted or adopted, and {@code orphans}, side resources
 * (volumes, bootstrap and credentials files, Secrets) whose instance never came to exist or is gone.
 */
public record SweepReport(List<String> deleted, List<String> adopted, List<String> orphans, Map<String, String> failures) {
    public SweepReport {
        deleted = List.copyOf(deleted);
        orphans = List.copyOf(orphans);
        adopted = List.copyOf(adopted);
        failures = Map.copyOf(failures);
    }
}
