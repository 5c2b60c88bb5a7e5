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

/**
 * A {@code run} stage's side of the agent's socket: sends the sub-stage and its script, copies the output as it
 * comes, returns the script's exit status. Until the agent says STARTED nothing ran, so a caller may still connect
 * itself ({@link Outcome.Unavailable}); after it, a broken agent is the stage's failure, never a second run.
 */
public final class AgentClient implements AutoCloseable {
    private final SocketChannel channel;
    private final DataInputStream in;
    private final DataOutputStream out;

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

    /** Asks the agent at {@code socket} to delete {@code sandbox} through the backend it holds open, and to stop. */
    public static Deletion delete(Path socket, String sandbox) {
        AgentClient client;
        try {
            client = connect(socket);
        } catch (IOException e) {
            return new Deletion.NoAgent(e.getMessage());
        }
        try (client) {
            AgentProtocol.write(client.out, AgentProtocol.DELETE, sandbox);
            AgentProtocol.Frame answer = AgentProtocol.readRequired(client.in);
            return switch (answer.type()) {
                case AgentProtocol.DELETED -> new Deletion.Deleted(answer.payload().length == 1 && answer.payload()[0] == 1);
                case AgentProtocol.FAILED -> new Deletion.Failed(answer.text());
                default -> new Deletion.Failed("the agent sent an unknown frame type " + answer.type());
            };
        } catch (IOException e) {
            return new Deletion.Failed("the connection agent went away: " + e.getMessage());
        }
    }

    /** Tells the agent at {@code socket} to stop; true when one answered. */
    public static boolean stop(Path socket) {
        try (AgentClient client = connect(socket)) {
            AgentProtocol.write(client.out, AgentProtocol.STOP, new byte[0]);
            AgentProtocol.Frame answer = AgentProtocol.read(client.in);
            return answer != null && answer.type() == AgentProtocol.STOPPING;
        } catch (IOException e) {
            return false;
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
