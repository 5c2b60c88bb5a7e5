package io.sandboxer.core.settings;

import java.util.Objects;

/**
 * One problem with one setting: which field (a path such as {@code plugin_config.memory_mib}), the value
 * given (already rendered, secrets masked; null when the field is missing) and what is allowed.
 */
public record Violation(String field, String value, String problem) {
    public Violation {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(problem, "problem");
    }

    public String message() {
        return value == null ? field + ": " + problem : field + ": " + value + " is not allowed: " + problem;
    }

    @Override
    public String toString() {
        return message();
    }
}
