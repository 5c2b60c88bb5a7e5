package io.sandboxer.adapter.customexecutor;

import io.sandboxer.adapter.customexecutor.agent.AgentDirectory;
import io.sandboxer.adapter.customexecutor.agent.AgentProcess;
import io.sandboxer.adapter.customexecutor.agent.ConnectionAgent;
import io.sandboxer.adapter.customexecutor.agent.ControlLink;
import io.sandboxer.core.lifecycle.Backoff;
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
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The job's connection agent (started by {@code prepare}, never by hand): connects to prepare's control socket, waits
 * for its "go", finds the sandbox's address, connects over SSH as soon as the guest lets it, says "ready" and then
 * serves the job's {@code run} stages (see {@link ConnectionAgent}). Its log (its stdout and stderr) is the job
 * directory's {@code agent.log}.
 */
@Command(name = "agent", hidden = true, description = "The job's connection agent (prepare starts it; cleanup stops it).")
final class AgentCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionAgent.class); // the agent log's level (simplelogger.properties)

    @Mixin
    DriverConfig driver;
    @Option(names = "--sandbox", required = true, description = "The job's sandbox.")
    String sandbox;
    @Option(names = "--timeout", required = true, converter = GoDurations.Positive.class, description = "How long to wait for the guest.")
    Duration timeout;
    @Option(names = "--idle-timeout", required = true, converter = GoDurations.Positive.class, description = "Stop after this long without a script.")
    Duration idleTimeout;
    @Mixin
    SshDial sshDial;

    @Override
    public Integer call() throws IOException {
        AgentDirectory.Job job = AgentDirectory.from(System.getenv()).find(sandbox)
                .orElseThrow(() -> new StageException("no agent directory for " + sandbox + ": prepare makes it"));
        ControlLink control;
        try {
            control = ControlLink.connect(job.control());
        } catch (IOException e) {
            LOG.info("prepare is gone ({}); nothing to serve", e.getMessage());
            return 0;
        }
        if (!AgentProcess.GO_LINE.equals(control.readLine())) {
            LOG.info("prepare ended before the sandbox was created; nothing to serve");
            return 0;
        }
        LOG.info("{} exists; waiting for its address and a login", sandbox);
        Semaphore guestUp = new Semaphore(0);
        CompletableFuture<Void> guestReady = new CompletableFuture<>();
        AtomicBoolean ready = new AtomicBoolean();
        // prepare's "up" (the guest is ready for the job) cuts short the pause between this agent's attempts, and lets
        // the first script's shell start. prepare going away before this agent was ready ends it: nobody waits for it.
        Thread.ofVirtual().name("agent-control").start(() -> {
            try {
                for (String line = control.readLine(); line != null; line = control.readLine()) {
                    if (AgentProcess.UP_LINE.equals(line)) {
                        guestUp.release();
                        guestReady.complete(null);
                    }
                }
            } catch (IOException e) {
                // the link broke: the same as its end
            }
            if (!ready.get()) {
                LOG.info("prepare ended before this agent was ready; nothing to serve");
                System.exit(0);
            }
        });
        Deadline deadline = Deadline.after(timeout, Clock.systemUTC());
        // Held open for the agent's life: cleanup's DELETE then costs no backend connection of its own.
        try (SandboxProvider provider = driver.openExisting(driver.settings())) {
            return serve(job, control, provider, deadline, guestUp, guestReady, ready);
        } catch (SandboxException e) {
            LOG.warn("cannot reach the backend of {}: {}", sandbox, e.getMessage());
            return 1;
        }
    }

    private int serve(AgentDirectory.Job job, ControlLink control, SandboxProvider provider, Deadline deadline, Semaphore guestUp,
            CompletableFuture<Void> guestReady, AtomicBoolean ready) throws IOException {
        ConnectInfo info;
        try {
            info = Readiness.addressOnly().await(provider, sandbox, deadline, ProgressListener.SILENT);
        } catch (SandboxException e) {
            LOG.warn("no address for {}: {}", sandbox, e.getMessage());
            return 1;
        }
        SshTarget target = SshTarget.of(info, HostKeyPolicy.insecure("the guest's host key was not injected"));
        SshSession ssh = connectWhenUp(target, deadline, guestUp);
        if (ssh == null) {
            return 1;
        }
        ConnectionAgent agent = new ConnectionAgent(job, () -> provider.delete(sandbox), ssh, info.os(), idleTimeout, Clock.systemUTC());
        agent.bind();
        guestReady.thenRun(agent::guestReady);
        ready.set(true); // before saying so: prepare closes the link once it has read it
        control.say(AgentProcess.READY_LINE);
        LOG.info("serving {} at {}", sandbox, job.socket());
        String why = agent.serve();
        LOG.info("stopped: {}", why);
        control.close();
        return 0;
    }

    /**
     * The guest boots meanwhile: connection attempts, backed off, until one logs in or the deadline passes; the
     * pause ends early (and the backoff starts over) once prepare says the guest takes logins.
     */
    private SshSession connectWhenUp(SshTarget target, Deadline deadline, Semaphore guestUp) {
        Duration pause = Backoff.DEFAULT.initial();
        while (true) {
            try {
                return SshSession.connect(target, SshOptions.DEFAULT.withConnectTimeout(sshDial.timeout));
            } catch (SshException e) {
                if (e.kind() == SshException.Kind.HOST_KEY || deadline.isExpired()) {
                    LOG.warn("cannot connect to {}: {}", target, e.getMessage());
                    return null;
                }
            }
            try {
                if (guestUp.tryAcquire(pause.toMillis(), TimeUnit.MILLISECONDS)) { // a backed-off retry, or prepare's hint
                    pause = Backoff.DEFAULT.initial(); // one attempt now, then the backoff from its start
                    continue;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            pause = Backoff.DEFAULT.after(pause);
        }
    }
}
