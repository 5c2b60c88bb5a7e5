package io.sandboxer.core.bootstrap;

import java.util.List;
import java.util.Objects;

/**
 * A user the bootstrap creates, or updates when the image already has it (Flatcar's {@code core}).
 * {@code password} may be null (key login only); {@code shell} null means the guest's default.
 */
public record GuestUser(
        String name,
        UserPassword password,
        List<String> authorizedKeys,
        List<String> groups,
        String shell,
        boolean passwordlessSudo) {

    public GuestUser {
        Objects.requireNonNull(name, "name");
        authorizedKeys = authorizedKeys == null ? List.of() : List.copyOf(authorizedKeys);
        groups = groups == null ? List.of() : List.copyOf(groups);
    }
}
