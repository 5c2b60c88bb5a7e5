package io.sandboxer.core.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import net.schmizz.sshj.connection.channel.direct.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A remote command that runs already while its input and output sinks are not known yet. The costly part of a
 * command on a slow guest is what happens before it reads a byte: opening the channel, the server's session set-up
 * (fork, PAM) and the shell's own start. {@link SshSession#start} pays that now; {@link #finish} later attaches the
 * sinks (output that came meanwhile is passed on first), feeds stdin and waits for the end, as
 * {@link SshSession#exec} does in one go. One use only.
 */
public final class StartedCommand implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StartedCommand.class);
    private static final int PUMP_BUFFER = 32 * 1024;

    private final SshSession ssh;
    private final Session session;
    private final Session.Command command;
    private final HeldSink stdout = new HeldSink();
    private final HeldSink stderr = new HeldSink();
    private final Thread stdoutPump;
    private final Thread stderrPump;

    StartedCommand(SshSession ssh, Session session, Session.Command command) {
        this.ssh = Objects.requireNonNull(ssh, "ssh");
        this.session = Objects.requireNonNull(session, "session");
        this.command = Objects.requireNonNull(command, "command");
        this.stdoutPump = pump(command.getInputStream(), stdout, "ssh-stdout");
        this.stderrPump = pump(command.getErrorStream(), stderr, "ssh-stderr");
    }

    /** Whether the command still runs and waits: its channel is open and it has neither exited nor closed its output. */
    public boolean isAlive() {
        return ssh.isOpen() && command.isOpen() && !command.isEOF() && command.getExitStatus() == null && command.getExitSignal() == null;
    }

    /**
     * Attaches the sinks, feeds {@code stdin} (then EOF) when given, and waits for the command's end; output is
     * copied chunk by chunk as it arrives, the sinks are flushed after every chunk and never closed.
     */
    public ExecResult finish(InputStream stdin, OutputStream stdout, OutputStream stderr) {
        try {
            this.stdout.attach(stdout);
            this.stderr.attach(stderr);
            Thread in = stdin == null ? null : feed(stdin, command.getOutputStream());
            if (stdin == null) {
                command.getOutputStream().close(); // EOF: commands that read stdin must not wait forever
            }
            stdoutPump.join();
            stderrPump.join();
            command.join();
            if (in != null) {
                in.interrupt();
            }
            ssh.ensureNotCancelled();
            String signal = command.getExitSignal() == null ? null : command.getExitSignal().name();
            return new ExecResult(command.getExitStatus(), signal);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ssh.cancel();
            throw new SshException(SshException.Kind.CANCELLED, "interrupted while running a command on " + ssh.target(), e);
        } catch (IOException | RuntimeException e) {
            throw ssh.commandFailure("running a command", e);
        } finally {
            close();
        }
    }

    /** Closes the channel: a command still waiting for its stdin sees EOF. Idempotent. */
    @Override
    public void close() {
        try {
            session.close();
        } catch (IOException | RuntimeException ignored) {
            // the channel is gone either way
        }
    }

    private static Thread pump(InputStream from, OutputStream to, String name) {
        return Thread.ofVirtual().name(name).start(() -> {
            byte[] buffer = new byte[PUMP_BUFFER];
            try (from) {
                int n;
                while ((n = from.read(buffer)) >= 0) {
                    to.write(buffer, 0, n);
                    to.flush();
                }
            } catch (IOException e) {
                LOG.debug("stream {} ended: {}", name, e.toString());
            }
        });
    }

    private static Thread feed(InputStream from, OutputStream to) {
        return Thread.ofVirtual().name("ssh-stdin").start(() -> {
            try (to) {
                from.transferTo(to);
            } catch (IOException e) {
                LOG.debug("stdin feed ended: {}", e.toString());
            }
        });
    }

    /**
     * Holds what a command writes before its real sink is known (a shell's start-up files may print), then passes
     * it on. What a command prints before its input arrives is small; beyond {@link #EARLY_LIMIT} it is dropped
     * rather than held without bound, and the sink is told how much.
     */
    static final class HeldSink extends OutputStream {
        static final int EARLY_LIMIT = 1 << 20;
        private ByteArrayOutputStream early = new ByteArrayOutputStream();
        private long dropped;
        private OutputStream sink;

        synchronized void attach(OutputStream to) throws IOException {
            sink = to == null ? OutputStream.nullOutputStream() : to;
            early.writeTo(sink);
            if (dropped > 0) {
                sink.write(("[sandboxer: " + dropped + " bytes of early output dropped]\n").getBytes(StandardCharsets.UTF_8));
            }
            sink.flush();
            early = null;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
            if (sink != null) {
                sink.write(bytes, offset, length);
            } else if (early.size() + length <= EARLY_LIMIT) {
                early.write(bytes, offset, length);
            } else {
                dropped += length;
            }
        }

        @Override
        public synchronized void flush() throws IOException {
            if (sink != null) {
                sink.flush();
            }
        }
    }
}
