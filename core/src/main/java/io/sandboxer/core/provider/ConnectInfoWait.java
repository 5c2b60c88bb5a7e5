package io.sandboxer.core.provider;

import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxState;
import java.time.Duration;
import java.time.Instant;

/** The polling behind {@link SandboxProvider#awaitConnectInfo}: backoff from 250 ms to 2 s, progress every 10 s. */
final class ConnectInfoWait {
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(10);

    private ConnectInfoWait() {
    }

    static ConnectInfo await(SandboxProvider provider, String id, Duration timeout, WaitProgress progress) {
        Instant start = Instant.now();
        Instant deadline = start.plus(timeout);
        Instant nextReport = start;
        long delay = 250;
        SandboxException last;
        while (true) {
            try {
                return provider.connectInfo(id);
            } catch (SandboxNotFoundException e) {
                throw e;
            } catch (SandboxException e) {
                if (!e.isRetryable()) {
                    throw e;
                }
                last = e;
            }
            Sandbox sandbox = provider.get(id).orElseThrow(() -> new SandboxNotFoundException(id));
            if (sandbox.state() == SandboxState.FAILED) {
                throw new SandboxException("sandbox " + id + " failed while waiting for its address: " + sandbox.detail(), false);
            }
            Instant now = Instant.now();
            if (!now.isBefore(deadline)) {
                throw new SandboxException("sandbox " + id + " got no address within " + timeout.toSeconds() + " s: " + last.getMessage(), true, last);
            }
            if (!now.isBefore(nextReport)) {
                progress.waiting("an IP address for " + id + " (" + last.getMessage() + ")", Duration.between(start, now));
                nextReport = now.plus(PROGRESS_EVERY);
            }
            try {
                Thread.sleep(Math.min(delay, Math.max(1, Duration.between(now, deadline).toMillis()))); // poll interval
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxException("interrupted while waiting for the address of " + id, false, e);
            }
            delay = Math.min(2000, delay * 2);
        }
    }
}
