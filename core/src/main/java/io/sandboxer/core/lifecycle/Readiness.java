package io.sandboxer.core.lifecycle;

import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What "ready for a job" means, as {@link WaitStrategy}s met in order (address assigned, then an SSH login on a guest
 * whose bootstrap finished), with one wait loop for all of them: {@link Backoff} between attempts, one
 * {@link Deadline} for the whole wait, progress on the first attempt of each strategy and every 10 seconds after.
 */
public final class Readiness {
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    private final List<WaitStrategy> strategies;
    private final Backoff backoff;

    public Readiness(List<WaitStrategy> strategies, Backoff backoff) {
        this.strategies = List.copyOf(strategies);
        this.backoff = Objects.requireNonNull(backoff, "backoff");
    }

    /** Address, then an SSH login that finds the guest's bootstrap finished: what both adapters mean by ready. */
    public static Readiness forJobs(SshOptions ssh, HostKeyPolicy whenNoKeyPinned) {
        return new Readiness(List.of(new AddressAssigned(), new GuestReady(ssh, whenNoKeyPinned)), Backoff.DEFAULT);
    }

    /** Only an address: for callers that reach the guest their own way. */
    public static Readiness addressOnly() {
        return new Readiness(List.of(new AddressAssigned()), Backoff.DEFAULT);
    }

    public List<WaitStrategy> strategies() {
        return strategies;
    }

    /**
     * Waits until every strategy is met, or the deadline passes (a retryable {@link SandboxException} naming what was
     * waited for and the last reason). A sandbox that will never be ready ends the wait at once; interrupting the
     * thread ends it too.
     */
    public ConnectInfo await(SandboxProvider provider, String id, Deadline deadline, ProgressListener progress) {
        ConnectInfo known = null;
        for (WaitStrategy strategy : strategies) {
            known = awaitOne(strategy, provider, id, known, deadline, progress);
        }
        return known;
    }

    private ConnectInfo awaitOne(WaitStrategy strategy, SandboxProvider provider, String id, ConnectInfo known, Deadline deadline,
            ProgressListener progress) {
        Duration delay = backoff.initial();
        Instant nextReport = deadline.clock().instant();
        int attempt = 0;
        while (true) {
            attempt++;
            NotReadyException last;
            try {
                return strategy.check(provider, id, known);
            } catch (NotReadyException e) {
                last = e;
            }
            Instant now = deadline.clock().instant();
            if (deadline.isExpired()) {
                throw new SandboxException(id + " was not ready within " + deadline.budget().toSeconds() + " s: waited for "
                        + strategy.describe(known) + " (" + attempt + " attempts); last: " + last.getMessage(), true, last);
            }
            if (!now.isBefore(nextReport)) {
                progress.waiting(strategy.describe(known) + " (" + last.getMessage() + ")", deadline.elapsed());
                nextReport = now.plus(PROGRESS_EVERY);
            }
            try {
                Thread.sleep(Math.max(1, Math.min(delay.toMillis(), deadline.remaining().toMillis()))); // backoff against a booting guest
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxException("waiting for " + strategy.describe(known) + " of " + id + " was interrupted", false, e);
            }
            delay = backoff.after(delay);
        }
    }

    /** One attempt of every strategy in order, no waiting: true when all are met now. */
    public boolean check(SandboxProvider provider, String id, ConnectInfo known) {
        try {
            ConnectInfo info = known;
            for (WaitStrategy strategy : strategies) {
                info = strategy.check(provider, id, info);
            }
            return true;
        } catch (NotReadyException | SandboxException e) {
            return false;
        }
    }
}
