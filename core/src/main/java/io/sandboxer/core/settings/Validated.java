package io.sandboxer.core.settings;

/**
 * A settings record that checks its own values after binding. Report every problem through {@code check};
 * do not throw.
 */
public interface Validated {
    void validate(Validation check);
}
