package io.sandboxer.core.settings;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Collects {@link Violation}s for one settings record. Field names are the JSON names (snake_case); the
 * binder prefixes them with the record's path. Fields that already failed to bind are not checked again.
 */
public final class Validation {
    private final String path;
    private final Set<String> alreadyFailed;
    private final List<Violation> violations = new ArrayList<>();

    public Validation(String path, Set<String> alreadyFailed) {
        this.path = path;
        this.alreadyFailed = Set.copyOf(alreadyFailed);
    }

    public static Validation standalone() {
        return new Validation("", Set.of());
    }

    public String fieldPath(String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    public Validation fail(String field, Object value, String problem) {
        if (!alreadyFailed.contains(field)) {
            violations.add(new Violation(fieldPath(field), value == null ? null : SettingsBinder.render(value), problem));
        }
        return this;
    }

    public Validation failMissing(String field, String problem) {
        if (!alreadyFailed.contains(field)) {
            violations.add(new Violation(fieldPath(field), null, problem));
        }
        return this;
    }

    public Validation required(String field, Object value) {
        if (value == null || value instanceof String s && s.isBlank()) {
            failMissing(field, "is required" + (value == null ? "" : " and must not be empty"));
        }
        return this;
    }

    public Validation atLeast(String field, Number value, long minimum) {
        if (value != null && value.longValue() < minimum) {
            fail(field, value, "must be at least " + minimum);
        }
        return this;
    }

    public Validation between(String field, Number value, long minimum, long maximum) {
        if (value != null && (value.longValue() < minimum || value.longValue() > maximum)) {
            fail(field, value, "must be between " + minimum + " and " + maximum);
        }
        return this;
    }

    public Validation notBlank(String field, String value) {
        if (value != null && value.isBlank()) {
            fail(field, value, "must not be empty");
        }
        return this;
    }

    public Validation matches(String field, String value, Pattern pattern, String allowed) {
        if (value != null && !pattern.matcher(value).matches()) {
            fail(field, value, allowed);
        }
        return this;
    }

    public Validation oneOf(String field, String value, Collection<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            fail(field, value, "must be one of " + String.join(", ", allowed));
        }
        return this;
    }

    /** At most one of the named fields may be set (values in the same order as names). */
    public Validation atMostOne(List<String> fields, List<?> values) {
        long set = values.stream().filter(v -> v != null && !(v instanceof String s && s.isBlank())).count();
        if (set > 1) {
            failMissing(String.join(" / ", fields), "set only one of " + String.join(", ", fields));
        }
        return this;
    }

    public List<Violation> violations() {
        return List.copyOf(violations);
    }
}
