package io.sandboxer.core.fleet;

import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxState;
import java.util.Objects;

/**
 * One instance as the fleet reports it. {@code state} is {@code RUNNING} only once the readiness probe
 * answered; {@code sandbox} is the backend's last view (null while a create is still in flight).
 */
public record FleetInstance(String id, SandboxState state, Sandbox sandbox, String detail) {
    public FleetInstance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(state, "state");
    }
}
