package io.sandboxer.adapter.customexecutor.agent;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.ssh.ExecResult;
import io.sandboxer.core.ssh.SshSession;
import io.sandboxer.core.ssh.StartedCommand;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * How one job script runs in the guest, the same whether a {@code run} stage connects itself or the job's connection
 * agent runs it: bash scripts stream to {@code bash} on stdin as the leader of a process group of their own (so a
 * cancel can stop all of it), PowerShell scripts are uploaded and run with {@code pwsh -File}. One instance serves one
 * run of one script.
 */
public final class RemoteScript {
    /**
     * The wrapper of a Linux script. The runner's bash scripts read nothing from stdin, so the script itself comes that
     * way: no upload. Closing an SSH channel does not stop a command without a terminal, so a cancel kills the script's
     * process group; the wrapper names that group on stderr ({@link GroupIdFilter}) before {@code bash} starts.
     * OpenSSH's sshd already makes the command's shell a session leader, so the wrapper checks that with shell
     * builtins alone ({@code /proc/$$/stat}'s fifth field is the group) and {@code exec}s bash in place: no extra
     * process, which costs ~0.2 s per sub-stage on a slow guest. Where the shell is not a group leader (a server
     * that does not call setsid; no /proc) it falls back to {@code setsid}, whose child names its own group.
     */
    public static final String LINUX_WRAPPER = "read -r s < /proc/$$/stat; s=${s##*) }; set -- $s; "
            + "if [ \"$3\" = \"$$\" ]; then printf '" + GroupIdFilter.PREFIX + "%s\\n' $$ >&2; exec bash; fi; "
            + "exec setsid -w sh -c 'printf \"" + GroupIdFilter.PREFIX + "%s\\n\" $$ >&2; exec bash'";
    /** How long a stop waits for the wrapper to name the group when a cancel comes right as the script starts. */
    private static final Duration GROUP_ID_WAIT = Duration.ofSeconds(10);
    private static final Pattern STAGE = Pattern.compile("^[A-Za-z0-9_.-]{1,100}$");

    private final OsFamily os;
    private final String stage;
    private final CompletableFuture<Long> group = new CompletableFuture<>();
    /** The script's exit status came back: its group is gone (a dropped channel says nothing of the kind). */
    private volatile boolean exited;

    /** {@code stage} reaches a remote file name (Windows): it is checked to be a plain name first. */
    public RemoteScript(OsFamily os, String stage) {
        this.os = Objects.requireNonNull(os, "os");
        if (!isStageName(stage)) {
            throw new IllegalArgumentException("sub-stage \"" + stage + "\" is not a name the runner uses");
        }
        this.stage = stage;
    }

    /** Sub-stage names as the runner makes them: letters, digits, '_', '.', '-'. */
    public static boolean isStageName(String stage) {
        return stage != null && STAGE.matcher(stage).matches();
    }

    public String stage() {
        return stage;
    }

    /** Runs the script, its output copied to the sinks as it arrives; blocks until it ends. */
    public ExecResult run(SshSession ssh, byte[] script, OutputStream stdout, OutputStream stderr) {
        if (os == OsFamily.WINDOWS) {
            String remote = "sandboxer-" + stage + ".ps1";
            ssh.upload(script, remote, 0600);
            return ssh.exec("pwsh -NoProfile -NonInteractive -ExecutionPolicy Bypass -File " + remote, stdout, stderr);
        }
        return run(startShell(ssh), script, stdout, stderr);
    }

    /**
     * Starts the shell a Linux script runs in ({@link #LINUX_WRAPPER}), which then waits for the script on stdin: the
     * session set-up and the shell's start, most of a short script's cost on a slow guest, can so be paid ahead.
     */
    public static StartedCommand startShell(SshSession ssh) {
        return ssh.start(LINUX_WRAPPER);
    }

    /** Runs a Linux script in a shell from {@link #startShell}; blocks until it ends. */
    public ExecResult run(StartedCommand shell, byte[] script, OutputStream stdout, OutputStream stderr) {
        if (os != OsFamily.LINUX) {
            throw new IllegalStateException("a started shell runs Linux scripts only");
        }
        GroupIdFilter errors = new GroupIdFilter(stderr, group::complete);
        try {
            ExecResult result = shell.finish(new ByteArrayInputStream(script), stdout, errors);
            exited = true;
            return result;
        } finally {
            errors.end();
            group.complete(null); // ended (or never named its group): nothing is left to stop
        }
    }

    /** Whether {@link #stop} can stop this script (a Windows guest's has no process group to kill). */
    public boolean canStop() {
        return os == OsFamily.LINUX;
    }

    /**
     * Sends TERM, then KILL two seconds later if any of it is still there, to the script's process group; over
     * {@code ssh}, which may be the connection the script runs on (another channel) or a fresh one. Nothing to do
     * once the script has ended.
     */
    public void stop(SshSession ssh) {
        if (!canStop()) {
            return;
        }
        Long id = awaitGroup();
        if (id == null || exited) {
            return;
        }
        // "kill -SIG -PGID", not "kill -SIG -- -PGID": dash (Debian's sh, the login shell of a user made without
        // one) rejects "--" as an illegal number, and the group would live on (seen on a real guest).
        ssh.exec("kill -TERM -" + id + " 2>/dev/null && { sleep 2; kill -KILL -" + id + " 2>/dev/null; }; true", null, null);
    }

    private Long awaitGroup() {
        try {
            return group.get(GROUP_ID_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return null; // the wrapper never started: the channel's close is all there is
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
