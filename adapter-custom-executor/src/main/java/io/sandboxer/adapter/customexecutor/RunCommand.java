package io.sandboxer.adapter.customexecutor;

import io.sandboxer.adapter.customexecutor.agent.RemoteScript;
import io.sandboxer.core.lifecycle.Deadline;
import io.sandboxer.core.lifecycle.ProgressListener;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshException;
import io.sandboxer.core.ssh.SshOptions;
import io.sandboxer.core.ssh.SshSession;
import io.sandboxer.core.ssh.SshTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * run_exec: runs one script of the job in the sandbox over SSH ({@link RemoteScript}): through the job's connection
 * agent when prepare left one, else over a connection of its own. Output is forwarded as it arrives; the script's
 * exit status goes to {@code BUILD_EXIT_CODE_FILE}; a failing script exits with the build-failure code, a
 * missing sandbox or broken SSH with the system-failure code. Every sub-stage name is accepted.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run a job script in the sandbox: run <script> <sub-stage>.")
final class RunCommand implements Callable<Integer> {
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

    @Option(names = "--connection-agent", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Run the script through the job's connection agent when prepare started one (default: on; "
                    + "--no-connection-agent, to go with prepare's, connects directly without a warning).")
    boolean connectionAgent;

    @Override
    public Integer call() throws IOException {
        RunnerEnvironment env = RunnerEnvironment.current();
        Cancellation cancellation = Cancellation.onSigterm();
        byte[] bytes = readScript(script, stage);
        String name = JobIdentity.from(env).sandboxName(driver.prefix());
        if (connectionAgent) {
            Optional<Integer> viaAgent = new AgentRun(env, name, stage, cancellation).run(bytes, true);
            if (viaAgent.isPresent()) {
                return viaAgent.get();
            }
        }
        return runDirectly(env, name, bytes, cancellation);
    }

    /** The script's bytes, after checking the sub-stage's name and that the script is a readable file. */
    static byte[] readScript(Path script, String stage) throws IOException {
        if (!RemoteScript.isStageName(stage)) {
            throw new StageException("sub-stage \"" + stage + "\" is not a name the runner uses");
        }
        if (!Files.isRegularFile(script) || !Files.isReadable(script)) {
            // A directory would open for reading and stream nothing: the stage would "succeed" having run nothing.
            throw new StageException("script " + script + (Files.isDirectory(script) ? " is a directory, not a script file"
                    : Files.exists(script) ? " is not a readable file" : " does not exist"));
        }
        return Files.readAllBytes(script);
    }

    /** A connection of this stage's own: finds the sandbox's address, logs in, runs, disconnects. */
    private int runDirectly(RunnerEnvironment env, String name, byte[] bytes, Cancellation cancellation) {
        ConnectInfo info;
        try (SandboxProvider provider = driver.openExisting(driver.settings())) {
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
        RemoteScript remote = new RemoteScript(info.os(), stage);
        try (SshSession ssh = SshSession.connect(target, SshOptions.DEFAULT.withConnectTimeout(dial))) {
            cancellation.whenCancelled(() -> {
                ssh.cancel();
                if (remote.canStop()) {
                    stopOverFreshConnection(target, dial, remote);
                }
            });
            return finish(env, stage, remote.run(ssh, bytes, System.out, System.err).exitCode());
        } catch (SshException e) {
            if (e.kind() == SshException.Kind.CANCELLED || cancellation.isCancelled()) {
                cancellation.awaitAction(Duration.ofSeconds(30));
                Diagnostics.say(stage + " cancelled: the SSH connection was dropped and the remote script's process group killed");
                return env.systemFailureExitCode();
            }
            throw new StageException("SSH to the sandbox " + name + " failed during " + stage + ": " + e.getMessage(), e);
        }
    }

    /** The script's exit status to BUILD_EXIT_CODE_FILE, and the stage's own exit code. */
    static int finish(RunnerEnvironment env, String stage, int code) {
        env.buildExitCodeFile().ifPresent(file -> writeExitCode(file, code));
        if (code == 0) {
            return 0;
        }
        Diagnostics.say(stage + " exited with " + code);
        return env.buildFailureExitCode();
    }

    /** On cancel: the stage's own connection is dropped, so a fresh one stops the script's process group. */
    private static void stopOverFreshConnection(SshTarget target, Duration dial, RemoteScript remote) {
        try (SshSession killer = SshSession.connect(target, SshOptions.DEFAULT.withConnectTimeout(dial))) {
            remote.stop(killer);
        } catch (SshException e) {
            Diagnostics.say("could not stop the remote script (" + e.getMessage() + "); cleanup removes the sandbox anyway");
        }
    }

    private static void writeExitCode(String file, int code) {
        try {
            Files.writeString(Path.of(file), code + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new StageException("cannot write BUILD_EXIT_CODE_FILE " + file + ": " + e.getMessage(), e);
        }
    }
}
