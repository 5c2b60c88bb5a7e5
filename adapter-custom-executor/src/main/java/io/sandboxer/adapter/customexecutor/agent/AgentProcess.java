package io.sandboxer.adapter.customexecutor.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
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
 * {@code prepare}'s handle on the agent it starts: a process in a session of its own ({@code setsid}, so the runner's
 * signals to the stage's process group do not reach it), its log in the job directory, and two pipes: {@link #go}
 * says the sandbox exists (the agent waits for that, so it never meets the leftover of an earlier attempt),
 * {@link #guestUp} that the guest is ready for the job (logins work, its set-up has finished), and the agent's
 * "ready" line says it holds the connection and serves its socket.
 */
public final class AgentProcess {
    static final String READY = "ready";
    static final String GO = "go";
    /** prepare's second line to the agent: the guest is ready for the job (prepare's own readiness check passed). */
    public static final String UP = "up";

    private final Process process;
    private final AgentDirectory.Job job;
    private final CompletableFuture<String> firstLine;
    private volatile boolean wentAhead;

    private AgentProcess(Process process, AgentDirectory.Job job) {
        this.process = process;
        this.job = job;
        this.firstLine = CompletableFuture.supplyAsync(this::readFirstLine, command -> Thread.ofVirtual().start(command));
    }

    /** Starts {@code command} (the launcher's {@code agent} subcommand) for {@code job}. */
    public static AgentProcess start(List<String> command, AgentDirectory.Job job) throws IOException {
        List<String> argv = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            argv.add("/usr/bin/setsid");
        }
        argv.addAll(command);
        Files.deleteIfExists(job.log());
        Path log = Files.createFile(job.log(), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        Process process = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new AgentProcess(process, job);
    }

    /** The sandbox exists now: the agent may look for it. Said once (a pool claim that moves on to another member says it again). */
    public void go() {
        if (!wentAhead) {
            wentAhead = true;
            tell(GO);
        }
    }

    /**
     * The guest is ready for the job: an agent still between its backed-off attempts tries again at once, and one
     * that holds its connection starts the first script's shell.
     */
    public void guestUp() {
        tell(UP);
    }

    private void tell(String line) {
        try {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
        } catch (IOException e) {
            // the agent is gone already; awaitReady says so
        }
    }

    /** Waits at most {@code limit} for the agent's "ready"; null when ready, else why not (the agent is stopped then). */
    public String awaitReady(Duration limit) {
        String why;
        try {
            String line = firstLine.get(Math.max(1, limit.toMillis()), TimeUnit.MILLISECONDS);
            if (READY.equals(line)) {
                closePipes();
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

    /** Stops the agent (prepare failed, or the agent is not usable) and removes its directory. */
    public void abandon() {
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        job.delete();
    }

    private String readFirstLine() {
        try {
            return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            return null;
        }
    }

    private void closePipes() {
        for (AutoCloseable pipe : new AutoCloseable[] {process.getOutputStream(), process.getInputStream()}) {
            try {
                pipe.close();
            } catch (Exception ignored) {
                // the agent no longer reads or writes them
            }
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
