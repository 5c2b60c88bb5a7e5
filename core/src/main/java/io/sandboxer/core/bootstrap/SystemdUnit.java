package io.sandboxer.core.bootstrap;

import java.util.Objects;

/** A systemd unit: written when {@code contents} is given, enabled when {@code enabled}. */
public record SystemdUnit(String name, String contents, boolean enabled) {
    public SystemdUnit {
        Objects.requireNonNull(name, "name");
    }

    public static SystemdUnit enable(String name) {
        return new SystemdUnit(name, null, true);
    }
}
