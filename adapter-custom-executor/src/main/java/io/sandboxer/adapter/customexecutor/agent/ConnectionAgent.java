package io.sandboxer.adapter.customexecutor.agent;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.ssh.ExecResult;
import io.sandboxer.core.ssh.SshException;
import io.sandboxer.core.ssh.SshSession;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's connection agent: holds one SSH connection to the job's guest and runs the job's scripts on it for the
 * {@code run} stages, which then skip a JVM's worth of provider lookups and a cold SSH handshake each. It serves a
 * Unix socket in the job's private directory, answers only its own user (the peer's credentials are checked on every
 * connection), never logs a script, and ends by itself when {@code cleanup} says STOP, when its connection to the guest
 * is lost (the VM is gone), or after {@code idleTimeout} without a script. {@code cleanup} may instead say DELETE: the
 * agent holds the backend open, so it deletes the sandbox without a stage paying for opening it, and removes its own
 * directory.
 */
public final class ConnectionAgent {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionAgent.class);
    private static final Duration WATCH_INTERVAL = Duration.ofSeconds(2);

    private final AgentDirectory.Job job;
    private final SandboxDeletion deletion;
    private final SshSession ssh;
    private final OsFamily os;
    private final Duration idleTimeout;
    private final Clock clock;
    /** Linux guests: the next script's shell, started ahead of it. */
    private final NextShell nextShell;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicReference<Instant> lastActive = new AtomicReference<>();
    private final AtomicReference<String> stopReason = new AtomicReference<>();
    /** cleanup's DELETE is under way: serving stops at once, but the process ends only once it has answered. */
    private final AtomicBoolean deleting = new AtomicBoolean();
    private final CompletableFuture<Void> deletionAnswered = new CompletableFuture<>();
    private ServerSocketChannel server;
    /** The socket and pid file as this agent made them: a successor may have replaced both, and they are its then. */
    private Object socketKey;
    private Object pidKey;

    /** Deletes the job's sandbox through the backend the agent holds open; true when there was one. */
    @FunctionalInterface
    public interface SandboxDeletion {
        boolean delete() throws SandboxException;
    }

    public ConnectionAgent(AgentDirectory.Job job, SandboxDeletion deletion, SshSession ssh, OsFamily os, Duration idleTimeout, Clock clock) {
        this.job = Objects.requireNonNull(job, "job");
        this.deletion = Objects.requireNonNull(deletion, "deletion");
        this.ssh = Objects.requireNonNull(ssh, "ssh");
        this.os = Objects.requireNonNull(os, "os");
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nextShell = new NextShell(ssh);
        lastActive.set(clock.instant());
    }

    /**
     * prepare found the guest ready for the job (users, groups and files in place): the first script's shell can start
     * now. Not before: a shell started while the guest still set itself up would miss what that set-up changed.
     */
    public void guestReady() {
        if (os == OsFamily.LINUX) {
            nextShell.prepare();
        }
    }

    /** Binds the socket (0600) and notes this process's pid; after this, {@link #serve} answers. */
    public void bind() throws IOException {
        Files.deleteIfExists(job.socket()); // a dead predecessor's; the job directory is ours alone
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(job.socket()));
        Files.setPosixFilePermissions(job.socket(), PosixFilePermissions.fromString("rw-------"));
        // A new file moved into place (not the old one rewritten): a predecessor tells its pid file from ours by inode.
        Path written = Files.writeString(job.dir().resolve(AgentDirectory.PID + ".new"), ProcessHandle.current().pid() + "\n");
        Files.setPosixFilePermissions(written, PosixFilePermissions.fromString("rw-------"));
        Files.move(written, job.pidFile(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        socketKey = fileKey(job.socket());
        pidKey = fileKey(job.pidFile());
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    /** Deletes {@code file} if it is still the one this agent made (same inode), not a successor's. */
    private static void deleteIfOurs(Path file, Object key) throws IOException {
        try {
            if (key != null && key.equals(fileKey(file))) {
                Files.deleteIfExists(file);
            }
        } catch (NoSuchFileException e) {
            // gone already
        }
    }

    /** Answers clients until stopped; returns why it stopped. The socket and pid file are gone afterwards. */
    public String serve() {
        Thread watchdog = Thread.ofPlatform().daemon().name("agent-watchdog").start(this::watch);
        UserPrincipal owner;
        try {
            owner = Files.getOwner(job.dir());
        } catch (IOException e) {
            stop("cannot read the owner of " + job.dir() + ": " + e.getMessage());
            owner = null;
        }
        while (stopReason.get() == null) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                stop(stopReason.get() != null ? stopReason.get() : "the socket failed: " + e.getMessage());
                break;
            }
            UserPrincipal expected = owner;
            Thread.ofVirtual().name("agent-client").start(() -> answer(client, expected));
        }
        watchdog.interrupt();
        nextShell.close();
        ssh.close();
        if (deleting.get()) {
            deletionAnswered.join();
        }
        try {
            deleteIfOurs(job.socket(), socketKey);
            deleteIfOurs(job.pidFile(), pidKey);
        } catch (IOException e) {
            LOG.warn("could not remove the agent's socket or pid file: {}", e.getMessage());
        }
        return stopReason.get();
    }

    /** Stops serving (idempotent); the first reason given is the one reported. */
    public void stop(String reason) {
        if (stopReason.compareAndSet(null, reason)) {
            LOG.info("stopping: {}", reason);
            try {
                if (server != null) {
                    server.close(); // wakes the accept
                }
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void watch() {
        try {
            while (stopReason.get() == null) {
                Thread.sleep(WATCH_INTERVAL); // a periodic check of outside state, not a synchronisation
                if (!ssh.isOpen()) {
                    stop("the SSH connection to the guest was lost (the VM is gone or stopped)");
                } else if (running.get() == 0 && Duration.between(lastActive.get(), clock.instant()).compareTo(idleTimeout) > 0) {
                    stop("idle for " + idleTimeout.toMinutes() + " min");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void answer(SocketChannel client, UserPrincipal owner) {
        try (client) {
            String peer = UnixSockets.peerUser(client);
            if (owner == null || !peer.equals(owner.getName())) {
                LOG.warn("refused a connection from user {}: the agent serves {} only", peer, owner == null ? "?" : owner.getName());
                return;
            }
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(client)));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(client)));
            AgentProtocol.Frame first = AgentProtocol.readRequired(in);
            switch (first.type()) {
                case AgentProtocol.STOP -> {
                    AgentProtocol.write(out, AgentProtocol.STOPPING, new byte[0]);
                    stop("cleanup asked");
                }
                case AgentProtocol.DELETE -> deleteSandbox(first.text(), out);
                case AgentProtocol.RUN -> runScript(first.text(), in, out);
                default -> LOG.warn("refused a connection that began with frame type {}", first.type());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("a client connection ended badly: {}", e.getMessage());
        }
    }

    /**
     * cleanup's DELETE: stops serving first (no script starts on a sandbox being deleted), deletes the sandbox, removes
     * the job's directory (cleanup's own path would), then answers. On FAILED cleanup deletes by itself, and says why.
     */
    private void deleteSandbox(String sandbox, DataOutputStream out) throws IOException {
        if (!job.sandbox().equals(sandbox)) {
            LOG.warn("refused to delete {}: this agent serves {}", sandbox, job.sandbox());
            AgentProtocol.write(out, AgentProtocol.FAILED, "this agent serves " + job.sandbox() + ", not " + sandbox);
            return;
        }
        if (!deleting.compareAndSet(false, true)) {
            AgentProtocol.write(out, AgentProtocol.FAILED, "another cleanup is deleting " + sandbox);
            return;
        }
        try {
            stop("cleanup deletes the sandbox");
            boolean existed;
            try {
                existed = deletion.delete();
            } catch (SandboxException e) {
                LOG.warn("could not delete {}: {}", sandbox, e.getMessage());
                AgentProtocol.write(out, AgentProtocol.FAILED, e.getMessage() == null ? e.toString() : e.getMessage());
                return;
            }
            LOG.info(existed ? "deleted {}" : "{} was gone already", sandbox);
            job.delete();
            AgentProtocol.write(out, AgentProtocol.DELETED, new byte[] {(byte) (existed ? 1 : 0)});
        } finally {
            deletionAnswered.complete(null);
        }
    }

    private void runScript(String stage, DataInputStream in, DataOutputStream out) throws IOException {
        running.incrementAndGet();
        try {
            if (!RemoteScript.isStageName(stage)) {
                AgentProtocol.write(out, AgentProtocol.FAILED, "sub-stage \"" + stage + "\" is not a name the runner uses");
                return;
            }
            AgentProtocol.Frame script = AgentProtocol.readRequired(in);
            if (script.type() != AgentProtocol.SCRIPT) {
                AgentProtocol.write(out, AgentProtocol.FAILED, "expected the script after RUN");
                return;
            }
            RemoteScript remote = new RemoteScript(os, stage);
            LOG.info("running {} ({} bytes)", stage, script.payload().length);
            // The client's side of the socket: CANCEL, or its end (a SIGKILLed run stage) while the script runs.
            AtomicBoolean ended = new AtomicBoolean();
            // Never interrupted: it may be stopping the script over the shared connection, and an exec interrupted midway
            // drops the whole connection. When the script ends first, closing the client's socket ends its read.
            Thread.ofVirtual().name("agent-cancel").start(() -> stopOnCancelOrHangUp(in, remote, ended));
            AgentProtocol.write(out, AgentProtocol.STARTED, new byte[0]);
            try {
                ExecResult result = runInGuest(remote, script.payload(), out);
                ended.set(true);
                LOG.info("{} exited with {}", stage, result.exitCode());
                AgentProtocol.write(out, AgentProtocol.EXIT, result.exitCode());
            } catch (SshException e) {
                ended.set(true);
                LOG.warn("{} failed: {}", stage, e.getMessage());
                AgentProtocol.write(out, AgentProtocol.FAILED, e.getMessage());
            }
        } finally {
            lastActive.set(clock.instant());
            running.decrementAndGet();
        }
    }

    private ExecResult runInGuest(RemoteScript remote, byte[] script, DataOutputStream out) {
        OutputStream stdout = AgentProtocol.framing(out, AgentProtocol.OUT);
        OutputStream stderr = AgentProtocol.framing(out, AgentProtocol.ERR);
        if (os != OsFamily.LINUX) {
            return remote.run(ssh, script, stdout, stderr);
        }
        try {
            return remote.run(nextShell.take(), script, stdout, stderr);
        } finally {
            if (ssh.isOpen()) {
                nextShell.prepare(); // the script has ended: the next one's shell starts now (NextShell says why not earlier)
            }
        }
    }

    private void stopOnCancelOrHangUp(DataInputStream in, RemoteScript remote, AtomicBoolean ended) {
        String why;
        try {
            AgentProtocol.Frame frame = AgentProtocol.read(in);
            if (ended.get()) {
                return; // the client hung up after the script's end: nothing to stop
            } else if (frame == null) {
                why = "the run stage went away";
            } else if (frame.type() == AgentProtocol.CANCEL) {
                why = "the run stage was cancelled";
            } else {
                return;
            }
        } catch (IOException e) {
            if (ended.get()) {
                return; // the script ended first and the socket was closed
            }
            why = "the run stage's connection failed";
        }
        LOG.info("{}: stopping {}", why, remote.stage());
        try {
            remote.stop(ssh);
        } catch (SshException e) {
            LOG.warn("could not stop {}: {}", remote.stage(), e.getMessage());
        }
    }
}
