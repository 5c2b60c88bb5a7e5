package io.sandboxer.core.fleet;

import java.util.List;
import java.util.stream.Collectors;

/** What an increase achieved: the instances created and, for the rest, why not. */
public record IncreaseResult(int requested, List<String> created, List<String> errors) {
    public IncreaseResult {
        created = List.copyOf(created);
        errors = List.copyOf(errors);
    }

    public int succeeded() {
        return created.size();
    }

    public boolean isComplete() {
        return created.size() == requested;
    }

    /** One message for all failures, for protocols that carry a single error string. */
    public String aggregatedError() {
        if (errors.isEmpty()) {
            return "";
        }
        return (requested - created.size()) + " of " + requested + " instance(s) not created: "
                + errors.stream().distinct().collect(Collectors.joining("; "));
    }
}
