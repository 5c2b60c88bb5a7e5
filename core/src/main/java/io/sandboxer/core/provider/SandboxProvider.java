package io.sandboxer.core.provider;

import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxSpec;
import java.util.List;
import java.util.Optional;

/**
 * Backend SPI: a narrow adapter over one hypervisor or cluster, for one group of sandboxes. Everything the
 * group owns is found again from the backend itself (metadata, labels), never from this object's memory,
 * so a restarted process sees what an earlier one made.
 *
 * <p>Implementations are thread-safe: the {@code Fleet} creates, lists and deletes concurrently. Waiting (core's
 * {@code Readiness}) and expiry ({@code GarbageCollector}) are built on these calls; a backend that can leave side
 * resources behind implements {@link OrphanCollector} too.
 */
public interface SandboxProvider extends AutoCloseable {

    /**
     * Creates and starts a sandbox and returns once the backend accepted it (typically {@code CREATING} or
     * {@code RUNNING}); it does not wait for the guest to boot. On failure, everything made so far is
     * removed before the exception is thrown.
     */
    Sandbox create(SandboxSpec spec);

    /** The sandbox with this id if the group owns it. */
    Optional<Sandbox> get(String id);

    /** All sandboxes this group owns, in any state. */
    List<Sandbox> list();

    /**
     * Deletes the sandbox and everything that belongs to it. Idempotent: deleting what does not exist
     * returns false and is not an error.
     *
     * @return true when something was deleted
     */
    boolean delete(String id);

    /**
     * How to reach the sandbox, as known right now (no waiting): throws {@link SandboxNotFoundException} when it
     * does not exist and a retryable {@link SandboxException} while it has no address yet.
     */
    ConnectInfo connectInfo(String id);

    /** A cheap check that the backend answers (connection alive, credentials valid). */
    default void checkHealth() {
        list();
    }

    /** Releases connections and threads; sandboxes stay as they are. */
    @Override
    void close();
}
