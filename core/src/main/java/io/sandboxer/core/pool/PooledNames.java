package io.sandboxer.core.pool;

import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.provider.SandboxNotFoundException;
import io.sandboxer.core.provider.SandboxProvider;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A job knows its sandbox by the job's name; a pool member it claimed keeps the member's name and carries the job's
 * in its {@link PoolLabels#CLAIMED_BY} label. {@link #resolving} wraps a provider so that {@code get}, {@code connectInfo}
 * and {@code delete} by the job's name reach the claimed member, and every stage (run, cleanup, the agent) finds it as
 * it finds a cold-created sandbox. A name that is a sandbox of its own is used as it is, without a listing.
 */
public final class PooledNames {
    private PooledNames() {
    }

    /** The id of the sandbox that serves {@code name}: the sandbox of that name, else the pool member claimed by it. */
    public static Optional<String> resolve(SandboxProvider provider, String name) {
        if (provider.get(name).isPresent()) {
            return Optional.of(name);
        }
        return claimedBy(provider.list(), name).map(Sandbox::id);
    }

    static Optional<Sandbox> claimedBy(List<Sandbox> sandboxes, String name) {
        return sandboxes.stream().filter(s -> name.equals(s.labels().get(PoolLabels.CLAIMED_BY))).findFirst();
    }

    /** {@code provider}, with job names resolved to the members they claimed (see the class comment). */
    public static SandboxProvider resolving(SandboxProvider provider) {
        return new Resolving(provider);
    }

    private record Resolving(SandboxProvider delegate) implements SandboxProvider {
        Resolving {
            Objects.requireNonNull(delegate, "delegate");
        }

        @Override
        public Sandbox create(SandboxSpec spec) {
            return delegate.create(spec);
        }

        @Override
        public Optional<Sandbox> get(String id) {
            Optional<Sandbox> own = delegate.get(id);
            return own.isPresent() ? own : claimedBy(delegate.list(), id);
        }

        @Override
        public List<Sandbox> list() {
            return delegate.list();
        }

        @Override
        public boolean delete(String id) {
            boolean deleted = delegate.delete(id); // also the leftovers of a cold create that died half-way
            Optional<Sandbox> member = claimedBy(delegate.list(), id);
            return member.isPresent() ? delegate.delete(member.get().id()) || deleted : deleted;
        }

        @Override
        public ConnectInfo connectInfo(String id) {
            try {
                return delegate.connectInfo(id);
            } catch (SandboxNotFoundException e) {
                return delegate.connectInfo(claimedBy(delegate.list(), id).orElseThrow(() -> e).id());
            }
        }

        @Override
        public void checkHealth() {
            delegate.checkHealth();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
