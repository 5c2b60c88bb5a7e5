package io.sandboxer.adapter.customexecutor.agent;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@code run} stage's side of the agent's socket: sends the sub-stage and its script, copies the output as it
 * comes, returns the script's exit status. Until the agent says STARTED nothing ran, so a caller may still connect
 * itself ({@link Outcome.Unavailable}); after it, a broken agent is the stage's failure, never a second run.
 */
public final class AgentClient implements AutoCloseable {
    private final SocketChannel channel;
    private final DataInputStream in;
    private final DataOutputStream out;
    /** Set when an answer deadline closed the connection. */
    private volatile boolean timedOut;
    static final Duration DELETE_ANSWER_LIMIT = Duration.ofSeconds(60);
    static final Duration STOP_ANSWER_LIMIT = Duration.ofSeconds(10);

    private AgentClient(SocketChannel channel) {
        this.channel = channel;
        this.in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel)));
        this.out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel)));
    }

    /** What became of a script handed to the agent. */
    public sealed interface Outcome {
        /** The script ran and exited with {@code code}. */
        record Exited(int code) implements Outcome {
        }

        /** The script started but the agent could not see it through (the SSH connection broke). */
        record Failed(String why) implements Outcome {
        }

        /** Nothing ran: no agent answered, or it refused before starting; a direct connection may run it instead. */
        record Unavailable(String why) implements Outcome {
        }
    }

    /** Connects to the agent at {@code socket}; an IOException means there is none (or it is dead). */
    public static AgentClient connect(Path socket) throws IOException {
        return new AgentClient(UnixSockets.connect(socket));
    }

    /** Runs {@code script} as {@code stage}, its stdout and stderr copied to the sinks (flushed per chunk). */
    public Outcome run(String stage, byte[] script, OutputStream stdout, OutputStream stderr) {
        boolean started = false;
        try {
            AgentProtocol.write(out, AgentProtocol.RUN, stage);
            AgentProtocol.write(out, AgentProtocol.SCRIPT, script);
            while (true) {
                AgentProtocol.Frame frame = AgentProtocol.readRequired(in);
                switch (frame.type()) {
                    case AgentProtocol.STARTED -> started = true;
                    case AgentProtocol.OUT -> copy(frame, stdout);
                    case AgentProtocol.ERR -> copy(frame, stderr);
                    case AgentProtocol.EXIT -> {
                        return new Outcome.Exited(frame.number());
                    }
                    case AgentProtocol.FAILED -> {
                        return started ? new Outcome.Failed(frame.text()) : new Outcome.Unavailable(frame.text());
                    }
                    default -> throw new IOException("the agent sent an unknown frame type " + frame.type());
                }
            }
        } catch (IOException e) {
            String why = "the connection agent went away: " + e.getMessage();
            return started ? new Outcome.Failed(why) : new Outcome.Unavailable(why);
        }
    }

    /** Asks the agent to stop the running script's process group (the runner's SIGTERM); safe from any thread. */
    public void cancel() {
        try {
            AgentProtocol.write(out, AgentProtocol.CANCEL, new byte[0]);
        } catch (IOException ignored) {
            // the agent is gone; closing the socket says the same
        }
    }

    /** What became of cleanup's request that the agent delete the sandbox. */
    public sealed interface Deletion {
        /** The agent deleted the sandbox ({@code existed}: there was one), stopped and removed its directory. */
        record Deleted(boolean existed) implements Deletion {
        }

        /** No agent listens: cleanup deletes by itself, as without an agent. */
        record NoAgent(String why) implements Deletion {
        }

        /** The agent could not delete, or broke off: cleanup deletes by itself (deleting is idempotent). */
        record Failed(String why) implements Deletion {
        }
    }

    /**
     * Asks the agent at {@code socket} to delete {@code sandbox} through the backend it holds open, and to stop. An
     * agent that has not answered within {@link #DELETE_ANSWER_LIMIT} (libvirt's destroy of a stuck QEMU takes ~15 s)
     * counts as failed: a hung agent must not hang cleanup.
     */
    public static Deletion delete(Path socket, String sandbox) {
        return delete(socket, sandbox, DELETE_ANSWER_LIMIT);
    }

    static Deletion delete(Path socket, String sandbox, Duration limit) {
        AgentClient client;
        try {
            client = connect(socket);
        } catch (IOException e) {
            return new Deletion.NoAgent(e.getMessage());
        }
        AnswerDeadline deadline = new AnswerDeadline(client, limit);
        try (client) {
            AgentProtocol.write(client.out, AgentProtocol.DELETE, sandbox);
            AgentProtocol.Frame answer = AgentProtocol.readRequired(client.in);
            return switch (answer.type()) {
                case AgentProtocol.DELETED -> new Deletion.Deleted(answer.payload().length == 1 && answer.payload()[0] == 1);
                case AgentProtocol.FAILED -> new Deletion.Failed(answer.text());
                default -> new Deletion.Failed("the agent sent an unknown frame type " + answer.type());
            };
        } catch (IOException e) {
            return new Deletion.Failed(deadline.why(e));
        } finally {
            deadline.cancel();
        }
    }

    /** Tells the agent at {@code socket} to stop; true when one answered (within {@link #STOP_ANSWER_LIMIT}). */
    public static boolean stop(Path socket) {
        try (AgentClient client = connect(socket)) {
            AnswerDeadline deadline = new AnswerDeadline(client, STOP_ANSWER_LIMIT);
            try {
                AgentProtocol.write(client.out, AgentProtocol.STOP, new byte[0]);
                AgentProtocol.Frame answer = AgentProtocol.read(client.in);
                return answer != null && answer.type() == AgentProtocol.STOPPING;
            } finally {
                deadline.cancel();
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Closes the client's connection when the agent has not answered in time, which ends the caller's read. */
    private static final class AnswerDeadline {
        private final AgentClient client;
        private final Duration limit;
        private final CompletableFuture<Void> timer;

        AnswerDeadline(AgentClient client, Duration limit) {
            this.client = client;
            this.limit = limit;
            this.timer = CompletableFuture.runAsync(() -> {
                client.timedOut = true;
                client.close();
            }, CompletableFuture.delayedExecutor(limit.toMillis(), TimeUnit.MILLISECONDS));
        }

        String why(IOException e) {
            String within = limit.toMillis() % 1000 == 0 ? limit.toSeconds() + " s" : limit.toMillis() + " ms";
            return client.timedOut ? "the connection agent did not answer within " + within : "the connection agent went away: " + e.getMessage();
        }

        void cancel() {
            timer.cancel(false);
        }
    }

    private static void copy(AgentProtocol.Frame frame, OutputStream sink) throws IOException {
        sink.write(frame.payload());
        sink.flush();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }
}
