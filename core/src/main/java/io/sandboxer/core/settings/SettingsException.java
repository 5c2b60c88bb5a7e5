package io.sandboxer.core.settings;

import java.util.List;
import java.util.stream.Collectors;

/** Settings were rejected. Carries every problem found, not only the first. */
public class SettingsException extends IllegalArgumentException {
    private final List<Violation> violations;

    public SettingsException(List<Violation> violations) {
        super(render(violations));
        this.violations = List.copyOf(violations);
    }

    public static SettingsException single(String field, String value, String problem) {
        return new SettingsException(List.of(new Violation(field, value, problem)));
    }

    public List<Violation> violations() {
        return violations;
    }

    private static String render(List<Violation> violations) {
        if (violations.size() == 1) {
            return "invalid setting: " + violations.get(0).message();
        }
        return violations.size() + " invalid settings:\n" + violations.stream().map(v -> "  - " + v.message()).collect(Collectors.joining("\n"));
    }
}
