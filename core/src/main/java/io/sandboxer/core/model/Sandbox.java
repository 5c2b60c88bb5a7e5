package io.sandboxer.core.model;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A sandbox as the backend sees it now. Addresses are null until known; {@code expiresAt} is null when no
 * TTL applies; {@code detail} carries the backend's own words for failures.
 */
public record Sandbox(
        String id,
        SandboxState state,
        String internalAddress,
        String externalAddress,
        Instant createdAt,
        Instant expiresAt,
        Map<String, String> labels,
        String detail) {

    public Sandbox {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public Optional<String> address() {
        return Optional.ofNullable(externalAddress != null ? externalAddress : internalAddress);
    }

    public boolean isExpired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    public Sandbox withState(SandboxState newState, String newDetail) {
        return new Sandbox(id, newState, internalAddress, externalAddress, createdAt, expiresAt, labels, newDetail);
    }
}
