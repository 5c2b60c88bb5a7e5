package io.sandboxer.adapter.customexecutor.agent;

import io.sandboxer.core.ssh.SshSession;
import io.sandboxer.core.ssh.StartedCommand;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shell the job's next Linux script runs in, started ahead of it. A sub-stage's cost in a slow guest is mostly
 * not the script: it is the SSH session's set-up (sshd forks, PAM) and bash's start, ~0.2 s per sub-stage on a TCG
 * guest, paid again for each of a job's 9-11 sub-stages. The agent starts the next shell as soon as the previous
 * script has ended (or, for the first, once prepare found the guest ready), so the runner's own gap between
 * sub-stages hides it.
 *
 * <p>Why not earlier: a shell started while the previous script still ran would miss what that script changed for
 * new logins (a group added with {@code usermod}, a profile file), which a fresh session per sub-stage sees. A shell
 * started after the script's end is, for the next script, as fresh as one started when it arrives.
 */
final class NextShell implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NextShell.class);

    private final SshSession ssh;
    /** The shell being started or waiting; null when none is (guarded by this). */
    private CompletableFuture<StartedCommand> next;
    private boolean closed;

    NextShell(SshSession ssh) {
        this.ssh = Objects.requireNonNull(ssh, "ssh");
    }

    /** Starts the next shell in the background, unless one is started or waiting already. */
    synchronized void prepare() {
        if (next == null && !closed) {
            next = new CompletableFuture<>();
            CompletableFuture<StartedCommand> starting = next;
            Thread.ofVirtual().name("next-shell").start(() -> {
                try {
                    starting.complete(RemoteScript.startShell(ssh));
                } catch (RuntimeException e) {
                    starting.completeExceptionally(e);
                }
            });
        }
    }

    /**
     * The shell for the script that has just arrived: the one started ahead (waiting for it if it is still starting),
     * or, when there was none or it did not survive, one started now, whose failure is the caller's to report.
     */
    StartedCommand take() {
        CompletableFuture<StartedCommand> ahead;
        synchronized (this) {
            ahead = next;
            next = null;
        }
        if (ahead != null) {
            try {
                StartedCommand shell = ahead.join();
                if (shell.isAlive()) {
                    return shell;
                }
                shell.close();
                LOG.info("the shell started ahead has ended; starting another");
            } catch (CompletionException e) {
                LOG.info("the shell started ahead could not start ({}); starting another", e.getCause().getMessage());
            }
        }
        return RemoteScript.startShell(ssh);
    }

    /** Ends a waiting shell (its stdin closes, so it exits without running anything); no shell starts after this. */
    @Override
    public void close() {
        CompletableFuture<StartedCommand> waiting;
        synchronized (this) {
            closed = true;
            waiting = next;
            next = null;
        }
        if (waiting != null) {
            waiting.thenAccept(StartedCommand::close);
        }
    }
}
