package io.sandboxer.core.fleet;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What a decrease achieved. Instances that were already gone count as removed. */
public record DecreaseResult(List<String> removed, Map<String, String> failures) {
    public DecreaseResult {
        removed = List.copyOf(removed);
        failures = Map.copyOf(failures);
    }

    public String aggregatedError() {
        return failures.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).sorted().collect(Collectors.joining("; "));
    }
}
