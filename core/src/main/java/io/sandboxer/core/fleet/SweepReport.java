package io.sandboxer.core.fleet;

import java.util.List;
import java.util.Map;

/** What the start-up sweep found and did. */
public record SweepReport(List<String> deleted, List<String> adopted, Map<String, String> failures) {
    public SweepReport {
        deleted = List.copyOf(deleted);
        adopted = List.copyOf(adopted);
        failures = Map.copyOf(failures);
    }
}
