package io.sandboxer.core.fleet;

import io.sandboxer.core.group.InstanceName;
import io.sandboxer.core.model.SandboxSpec;

/** Builds the spec of a new instance from its name (image, resources and bootstrap come from the group's settings). */
@FunctionalInterface
public interface SpecFactory {
    SandboxSpec specFor(InstanceName name);
}
