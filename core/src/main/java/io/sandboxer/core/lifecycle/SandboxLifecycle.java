package io.sandboxer.core.lifecycle;

import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.provider.SandboxProvider;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * "Make a sandbox ready for a job" in one place, for the Fleet and the custom executor's stages alike: create, then
 * wait with the {@link Readiness} until the sandbox is reachable and its guest is ready (the Fleet asks one attempt at
 * a time instead); {@link #release} removes it again (idempotent).
 *
 * <p>A failed or interrupted prepare leaves what it made to {@link #release} (the custom executor's cleanup stage, the
 * Fleet's decrease): a second process must be able to remove it, so nothing may depend on this one surviving.
 */
public final class SandboxLifecycle {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxLifecycle.class);

    private final SandboxProvider provider;
    private final Readiness readiness;

    public SandboxLifecycle(SandboxProvider provider, Readiness readiness) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.readiness = Objects.requireNonNull(readiness, "readiness");
    }

    public Readiness readiness() {
        return readiness;
    }

    /**
     * Creates the sandbox and returns once it meets every readiness strategy, or throws when it cannot by the deadline.
     * A sandbox of the same name is a leftover of an earlier attempt of the same job (its name is deterministic, and a
     * retried prepare meets it): it is deleted first.
     */
    public ReadySandbox prepare(SandboxSpec spec, Deadline deadline, ProgressListener progress) {
        if (provider.get(spec.name()).isPresent()) {
            progress.step("a sandbox named " + spec.name() + " is left from an earlier attempt: deleting it first");
            provider.delete(spec.name());
        }
        Sandbox created = create(spec);
        progress.created(created.id());
        ConnectInfo info = readiness.await(provider, created.id(), deadline, progress);
        return new ReadySandbox(created, info);
    }

    /** Creates without waiting (the Fleet reports readiness later, from {@link #isReady}); a name taken is an error. */
    public Sandbox create(SandboxSpec spec) {
        Sandbox created = provider.create(spec);
        LOG.debug("created {} ({})", created.id(), created.state());
        return created;
    }

    /** One attempt of every readiness strategy, no waiting. */
    public boolean isReady(String id, ConnectInfo known) {
        return readiness.check(provider, id, known);
    }

    /** Deletes the sandbox and everything that belongs to it; true when something was deleted. */
    public boolean release(String id) {
        return provider.delete(id);
    }
}
