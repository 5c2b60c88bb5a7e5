package io.sandboxer.adapter.customexecutor.agent;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code prepare}'s handle on the agent it starts: a {@link Detached} process (its own session, not prepare's child),
 * its log in the job directory, and the {@link ControlLink} it connects back on: {@link #go} says the sandbox exists
 * (the agent waits for that, so it never meets the leftover of an earlier attempt), {@link #guestUp} that the guest is
 * ready for the job (logins work, its set-up has finished), and the agent's "ready" says it holds the connection and
 * serves its socket. Lines said before the agent has connected are kept for it.
 */
public final class AgentProcess {
    public static final String READY_LINE = "ready";
    public static final String GO_LINE = "go";
    /** prepare's second line to the agent: the guest is ready for the job (prepare's own readiness check passed). */
    public static final String UP_LINE = "up";
    /** How long {@link #abandon} gives the agent to stop by itself once its link is closed. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private final ServerSocketChannel control;
    private final AgentDirectory.Job job;
    private final List<String> unsaid = new ArrayList<>();
    private final CompletableFuture<String> firstLine;
    private ControlLink link; // guarded by unsaid
    private volatile boolean wentAhead;

    private AgentProcess(ServerSocketChannel control, AgentDirectory.Job job) {
        this.control = control;
        this.job = job;
        // A platform thread, not a virtual one: a virtual thread's socket wait parks on the JDK's poller thread, which
        // then sits in epoll_wait for good, and HotSpot's exit waits ~300 ms for threads in native code (measured).
        // This one ends when the first line is read or the link is closed.
        this.firstLine = CompletableFuture.supplyAsync(this::acceptAndRead, command -> Thread.ofPlatform().daemon().name("agent-link").start(command));
    }

    /** Starts {@code command} (the launcher's {@code agent} subcommand) for {@code job}, its control socket bound first. */
    public static AgentProcess start(List<String> command, AgentDirectory.Job job) throws IOException {
        Files.deleteIfExists(job.log());
        Path log = Files.createFile(job.log(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.deleteIfExists(job.control()); // an earlier attempt's, whose prepare is gone
        ServerSocketChannel control = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            control.bind(UnixDomainSocketAddress.of(job.control()));
            Files.setPosixFilePermissions(job.control(), PosixFilePermissions.fromString("rw-------"));
            Detached.start(command, log);
        } catch (IOException | RuntimeException e) {
            control.close();
            Files.deleteIfExists(job.control());
            throw e;
        }
        return new AgentProcess(control, job);
    }

    /** The sandbox exists now: the agent may look for it. Said once (a pool claim that moves on to another member says it again). */
    public void go() {
        if (!wentAhead) {
            wentAhead = true;
            tell(GO_LINE);
        }
    }

    /**
     * The guest is ready for the job: an agent still between its backed-off attempts tries again at once, and one
     * that holds its connection starts the first script's shell.
     */
    public void guestUp() {
        tell(UP_LINE);
    }

    private void tell(String line) {
        synchronized (unsaid) {
            if (link == null) {
                unsaid.add(line);
            } else {
                link.say(line); // false: the agent is gone already; awaitReady says so
            }
        }
    }

    /** Waits at most {@code limit} for the agent's "ready"; null when ready, else why not (the agent is stopped then). */
    public String awaitReady(Duration limit) {
        String why;
        try {
            String line = firstLine.get(Math.max(1, limit.toMillis()), TimeUnit.MILLISECONDS);
            if (READY_LINE.equals(line)) {
                closeControl();
                return null;
            }
            why = line == null ? "it exited (" + lastLogLine() + ")" : "it said: " + line;
        } catch (TimeoutException e) {
            why = "it was not ready within " + limit.toSeconds() + " s";
        } catch (ExecutionException e) {
            why = e.getCause().getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "interrupted";
        }
        abandon();
        return why;
    }

    /**
     * Stops the agent (prepare failed, or the agent is not usable) and removes its directory: a closed link stops an
     * agent that is not ready yet; one that is already serving is stopped through its pid.
     */
    public void abandon() {
        closeControl();
        job.process().ifPresent(agent -> {
            agent.destroy();
            try {
                agent.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                agent.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                agent.destroyForcibly();
            }
        });
        job.delete();
    }

    /** The agent's connection (from this user only: the directory is private, and the peer is checked too), then its first line. */
    private String acceptAndRead() {
        try {
            while (true) {
                SocketChannel accepted = control.accept();
                ControlLink candidate = new ControlLink(accepted);
                if (!candidate.peerOwns(job.dir())) {
                    candidate.close();
                    continue;
                }
                synchronized (unsaid) {
                    link = candidate;
                    unsaid.forEach(candidate::say);
                    unsaid.clear();
                }
                return candidate.readLine();
            }
        } catch (IOException e) {
            return null; // the link was closed: abandoned, or the agent is gone
        }
    }

    private void closeControl() {
        try {
            control.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        synchronized (unsaid) {
            if (link != null) {
                link.close();
            }
        }
        try {
            Files.deleteIfExists(job.control());
        } catch (IOException ignored) {
            // the job directory's removal or gc takes it
        }
    }

    private String lastLogLine() {
        try {
            List<String> lines = Files.readAllLines(job.log());
            return lines.isEmpty() ? "its log is empty" : lines.getLast();
        } catch (IOException e) {
            return "no log";
        }
    }
}
