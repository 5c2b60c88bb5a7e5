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
 * <p>Implementations are thread-safe: the {@code Fleet} creates, lists and deletes concurrently.
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

    /** How long adapters wait for a new sandbox to become reachable unless told otherwise. */
    default java.time.Duration defaultReadyTimeout() {
        return java.time.Duration.ofMinutes(10);
    }

    /** {@link #awaitConnectInfo(String, java.time.Duration, WaitProgress)} with {@link #defaultReadyTimeout()}. */
    default ConnectInfo awaitConnectInfo(String id, WaitProgress progress) {
        return awaitConnectInfo(id, defaultReadyTimeout(), progress);
    }

    /**
     * Polls {@link #connectInfo} until the sandbox has an address or {@code timeout} passes, telling
     * {@code progress} what it waits for. A sandbox that is gone or failed ends the wait at once.
     */
    default ConnectInfo awaitConnectInfo(String id, java.time.Duration timeout, WaitProgress progress) {
        return ConnectInfoWait.await(this, id, timeout, progress);
    }

    /**
     * Deletes the group's sandboxes whose expiry passed, or, without an expiry, that are older than {@code maxAge}
     * (null = only expiries count); backends also remove their orphaned side resources. With {@code dryRun}
     * nothing is deleted and the report says what would be.
     */
    default GarbageReport collectGarbage(java.time.Duration maxAge, boolean dryRun) {
        return collectGarbage(GarbageQuery.of(maxAge, dryRun));
    }

    /** {@link #collectGarbage(java.time.Duration, boolean)} with more leftovers named as the group's, and a grace period. */
    default GarbageReport collectGarbage(GarbageQuery query) {
        return deleteExpired(this, list(), java.time.Instant.now(), query.maxAge(), query.dryRun());
    }

    /**
     * The expiry half of {@link #collectGarbage}, for backends that list their sandboxes themselves (with their own
     * clock) and add their own orphans: deletes those of {@code sandboxes} whose expiry passed, or, without an
     * expiry, that are older than {@code maxAge} (null = only expiries count).
     */
    static GarbageReport deleteExpired(SandboxProvider provider, java.util.Collection<io.sandboxer.core.model.Sandbox> sandboxes,
            java.time.Instant now, java.time.Duration maxAge, boolean dryRun) {
        java.util.List<String> expired = new java.util.ArrayList<>();
        java.util.Map<String, String> failures = new java.util.LinkedHashMap<>();
        for (io.sandboxer.core.model.Sandbox sandbox : sandboxes) {
            boolean byTtl = sandbox.isExpired(now);
            boolean byAge = sandbox.expiresAt() == null && maxAge != null && sandbox.createdAt() != null
                    && sandbox.createdAt().plus(maxAge).isBefore(now);
            if (byTtl || byAge) {
                expired.add(sandbox.id());
                if (!dryRun) {
                    try {
                        provider.delete(sandbox.id());
                    } catch (SandboxException e) {
                        failures.put(sandbox.id(), e.getMessage());
                    }
                }
            }
        }
        return new GarbageReport(dryRun, expired, java.util.List.of(), failures);
    }

    /** A cheap check that the backend answers (connection alive, credentials valid). */
    default void checkHealth() {
        list();
    }

    /** Releases connections and threads; sandboxes stay as they are. */
    @Override
    void close();
}
