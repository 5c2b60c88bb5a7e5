package io.sandboxer.adapter.customexecutor.agent;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.ssh.ExecResult;
import io.sandboxer.core.ssh.SshSession;
import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How one job script runs in the guest, the same whether a {@code run} stage connects itself or the job's connection
 * agent runs it: bash scripts stream to {@code bash} on stdin inside a process group of their own (so a cancel can
 * stop all of it), PowerShell scripts are uploaded and run with {@code pwsh -File}.
 */
public final class RemoteScript {
    private static final Pattern STAGE = Pattern.compile("^[A-Za-z0-9_.-]{1,100}$");
    private static final Pattern NAME = Pattern.compile("^[a-z0-9-]{1,63}$");

    private final OsFamily os;
    private final String stage;
    private final String pidFile;

    /** {@code sandbox} and {@code stage} reach a remote shell: both are checked to be plain names first. */
    public RemoteScript(OsFamily os, String sandbox, String stage) {
        this.os = Objects.requireNonNull(os, "os");
        if (!isStageName(stage)) {
            throw new IllegalArgumentException("sub-stage \"" + stage + "\" is not a name the runner uses");
        }
        if (!NAME.matcher(sandbox).matches()) {
            throw new IllegalArgumentException("\"" + sandbox + "\" is not a sandbox name");
        }
        this.stage = stage;
        this.pidFile = "/tmp/sandboxer-" + sandbox + "-" + stage + ".pid";
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
        // The runner's bash scripts read nothing from stdin, so the script itself can come that way: no upload.
        // It runs in a session of its own whose id is noted in the guest: closing an SSH channel does not stop
        // a command without a terminal, so a cancel kills that whole process group instead. The group's leader
        // removes the note itself when the script ends: no second command (a channel costs ~0.1 s on a slow guest).
        String command = "exec setsid -w sh -c 'echo $$ > " + pidFile + "; bash; rc=$?; rm -f " + pidFile + "; exit $rc'";
        return ssh.exec(command, new ByteArrayInputStream(script), stdout, stderr);
    }

    /** Whether {@link #stop} can stop this script (a Windows guest's has no process group to kill). */
    public boolean canStop() {
        return os == OsFamily.LINUX;
    }

    /**
     * Sends TERM, then KILL two seconds later, to the script's process group and removes the note; over {@code ssh},
     * which may be the connection the script runs on (another channel) or a fresh one.
     */
    public void stop(SshSession ssh) {
        if (!canStop()) {
            return;
        }
        // "kill -SIG -PGID", not "kill -SIG -- -PGID": dash (Debian's sh, the login shell of a user made without
        // one) rejects "--" as an illegal number, and the group would live on (seen on a real guest).
        ssh.exec("p=$(cat " + pidFile + " 2>/dev/null) && [ -n \"$p\" ] && { kill -TERM -$p 2>/dev/null; sleep 2; "
                + "kill -KILL -$p 2>/dev/null; }; rm -f " + pidFile + "; true", null, null);
    }
}
