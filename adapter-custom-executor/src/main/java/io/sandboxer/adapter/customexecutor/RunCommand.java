package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.lifecycle.Deadline;
import io.sandboxer.core.lifecycle.ProgressListener;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.ssh.ExecResult;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshException;
import io.sandboxer.core.ssh.SshOptions;
import io.sandboxer.core.ssh.SshSession;
import io.sandboxer.core.ssh.SshTarget;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * run_exec: runs one script of the job in the sandbox over SSH. Bash scripts stream to {@code bash} on stdin;
 * PowerShell scripts are uploaded and run with {@code pwsh -File}. Output is forwarded as it arrives; the script's
 * exit status goes to {@code BUILD_EXIT_CODE_FILE}; a failing script exits with the build-failure code, a
 * missing sandbox or broken SSH with the system-failure code. Every sub-stage name is accepted.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a job script in the sandbox: run <script> <sub-stage>.")
final class RunCommand implements Callable<Integer> {
    private static final Pattern STAGE = Pattern.compile("^[A-Za-z0-9_.-]{1,100}$");
    @Mixin
    DriverConfig driver;
    @Parameters(index = "0", description = "The script the runner wrote.")
    Path script;
    @Parameters(index = "1", description = "The sub-stage: prepare_script, get_sources, build_script / step_script, after_script, ...")
    String stage;
    @Option(names = "--retry-timeout", defaultValue = "5m", converter = GoDurations.Positive.class,
            description = "How long to look for the sandbox's address (default: ${DEFAULT-VALUE}).")
    Duration retryTimeout;
    @Mixin
    SshDial sshDial;

    @Override
    public Integer call() throws IOException {
        RunnerEnvironment env = RunnerEnvironment.current();
        Cancellation cancellation = Cancellation.onSigterm();
        if (!STAGE.matcher(stage).matches()) {
            throw new StageException("sub-stage \"" + stage + "\" is not a name the runner uses");
        }
        if (!Files.isRegularFile(script) || !Files.isReadable(script)) {
            // A directory would open for reading and stream nothing: the stage would "succeed" having run nothing.
            throw new StageException("script " + script + (Files.isDirectory(script) ? " is a directory, not a script file"
                    : Files.exists(script) ? " is not a readable file" : " does not exist"));
        }
        String name = JobIdentity.from(env).sandboxName(driver.prefix());
        ConnectInfo info;
        try (SandboxProvider provider = driver.open(driver.settings())) {
            if (provider.get(name).isEmpty()) {
                throw new StageException("the sandbox " + name + " of this job does not exist (deleted, expired, or prepare did not run)");
            }
            info = Readiness.addressOnly().await(provider, name, Deadline.after(retryTimeout, Clock.systemUTC()),
                    ProgressListener.lines(line -> Diagnostics.say(line)));
        } catch (SandboxException e) {
            throw new StageException("cannot reach the sandbox " + name + ": " + e.getMessage(), e);
        }
        SshTarget target = SshTarget.of(info, HostKeyPolicy.insecure("the guest's host key was not injected"));
        Duration dial = sshDial.timeout;
        String pidFile = "/tmp/sandboxer-" + name + "-" + stage + ".pid";
        try (SshSession ssh = SshSession.connect(target, SshOptions.DEFAULT.withConnectTimeout(dial))) {
            cancellation.whenCancelled(() -> {
                ssh.cancel();
                if (info.os() == OsFamily.LINUX) {
                    killRemoteGroup(target, dial, pidFile);
                }
            });
            ExecResult result = info.os() == OsFamily.WINDOWS ? runPowerShell(ssh) : runBash(ssh, pidFile);
            int code = result.exitCode();
            env.buildExitCodeFile().ifPresent(file -> writeExitCode(file, code));
            if (code == 0) {
                return 0;
            }
            Diagnostics.say(stage + " exited with " + code);
            return env.buildFailureExitCode();
        } catch (SshException e) {
            if (e.kind() == SshException.Kind.CANCELLED || cancellation.isCancelled()) {
                cancellation.awaitAction(Duration.ofSeconds(30));
                Diagnostics.say(stage + " cancelled: the SSH connection was dropped and the remote script's process group killed");
                return env.systemFailureExitCode();
            }
            throw new StageException("SSH to the sandbox " + name + " failed during " + stage + ": " + e.getMessage(), e);
        }
    }

    private ExecResult runBash(SshSession ssh, String pidFile) throws IOException {
        // The runner's bash scripts read nothing from stdin, so the script itself can come that way: no upload.
        // It runs in a session of its own whose id is noted in the guest: closing an SSH channel does not stop
        // a command without a terminal, so a cancel kills that whole process group instead. The group's leader
        // removes the note itself when the script ends: no second command (a channel costs ~0.1 s on a slow guest).
        String command = "exec setsid -w sh -c 'echo $$ > " + pidFile + "; bash; rc=$?; rm -f " + pidFile + "; exit $rc'";
        try (InputStream in = Files.newInputStream(script)) {
            return ssh.exec(command, in, System.out, System.err);
        }
    }

    /** On cancel: a fresh connection sends TERM, then KILL, to the script's process group, and removes the note. */
    private static void killRemoteGroup(SshTarget target, Duration dial, String pidFile) {
        try (SshSession killer = SshSession.connect(target, SshOptions.DEFAULT.withConnectTimeout(dial))) {
            // "kill -SIG -PGID", not "kill -SIG -- -PGID": dash (Debian's sh, the login shell of a user made without
            // one) rejects "--" as an illegal number, and the group would live on (seen on a real guest).
            killer.exec("p=$(cat " + pidFile + " 2>/dev/null) && [ -n \"$p\" ] && { kill -TERM -$p 2>/dev/null; sleep 2; "
                    + "kill -KILL -$p 2>/dev/null; }; rm -f " + pidFile + "; true", null, null);
        } catch (SshException e) {
            Diagnostics.say("could not stop the remote script (" + e.getMessage() + "); cleanup removes the sandbox anyway");
        }
    }

    private ExecResult runPowerShell(SshSession ssh) throws IOException {
        String remote = "sandboxer-" + stage + ".ps1";
        ssh.upload(Files.readAllBytes(script), remote, 0600);
        return ssh.exec("pwsh -NoProfile -NonInteractive -ExecutionPolicy Bypass -File " + remote, System.out, System.err);
    }

    private static void writeExitCode(String file, int code) {
        try {
            Files.writeString(Path.of(file), code + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new StageException("cannot write BUILD_EXIT_CODE_FILE " + file + ": " + e.getMessage(), e);
        }
    }
}
