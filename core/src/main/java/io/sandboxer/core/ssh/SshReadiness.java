package io.sandboxer.core.ssh;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits until a guest really accepts logins: a connection that authenticates <em>and</em> runs a command
 * counts, an open port does not (sshd accepts connections before {@code pam_nologin} lets users in). Attempts
 * back off from {@code initialDelay} by 1.5x up to {@code maxDelay}, until the deadline.
 */
public final class SshReadiness {
    private static final Logger LOG = LoggerFactory.getLogger(SshReadiness.class);

    private final SshOptions options;
    private final Duration initialDelay;
    private final Duration maxDelay;
    private final String probeCommand;
    private final Clock clock;

    public SshReadiness(SshOptions options, Duration initialDelay, Duration maxDelay, String probeCommand, Clock clock) {
        this.options = Objects.requireNonNull(options, "options");
        this.initialDelay = Objects.requireNonNull(initialDelay, "initialDelay");
        this.maxDelay = Objects.requireNonNull(maxDelay, "maxDelay");
        this.probeCommand = Objects.requireNonNull(probeCommand, "probeCommand");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public static SshReadiness defaults() {
        return new SshReadiness(SshOptions.DEFAULT.withConnectTimeout(Duration.ofSeconds(5)), Duration.ofMillis(500),
                Duration.ofSeconds(5), "true", Clock.systemUTC());
    }

    /** One attempt: connect, log in, run the probe command. Returns normally when the guest is ready. */
    public void probeOnce(SshTarget target) {
        probeOnce(target, probeCommand);
    }

    /** One attempt with a given command (see {@link GuestReadyCommand}). */
    public void probeOnce(SshTarget target, String command) {
        try (SshSession session = SshSession.connect(target, options)) {
            ExecResult result = session.exec(command, null, null);
            if (!result.succeeded()) {
                throw new SshException(SshException.Kind.CHANNEL, target + " accepts logins but is not ready yet: its readiness check exited with "
                        + result.exitCode() + " (on a cloud-init guest: cloud-init has not finished)", null);
            }
        }
    }

    /**
     * Retries {@link #probeOnce} until it succeeds or {@code timeout} passes; then throws {@code TIMEOUT} with the
     * last reason. Interrupting the thread ends the wait with {@code CANCELLED}.
     */
    public void await(SshTarget target, Duration timeout, ReadinessListener listener) {
        Instant start = clock.instant();
        Instant deadline = start.plus(timeout);
        Duration delay = initialDelay;
        int attempt = 0;
        while (true) {
            attempt++;
            try {
                probeOnce(target);
                LOG.debug("{} accepted a login after {} attempt(s)", target, attempt);
                return;
            } catch (SshException e) {
                Duration elapsed = Duration.between(start, clock.instant());
                listener.attemptFailed(attempt, elapsed, e);
                if (!clock.instant().plus(delay).isBefore(deadline)) {
                    throw new SshException(SshException.Kind.TIMEOUT, "no SSH login to " + target + " within " + timeout.toSeconds()
                            + " s (" + attempt + " attempts); last error: " + e.getMessage(), e);
                }
            }
            try {
                Thread.sleep(delay); // backoff between attempts against a booting guest
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SshException(SshException.Kind.CANCELLED, "waiting for SSH on " + target + " was interrupted", e);
            }
            long next = Math.min(maxDelay.toMillis(), (long) (delay.toMillis() * 1.5));
            delay = Duration.ofMillis(next);
        }
    }
}
