package io.sandboxer.adapter.customexecutor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sandboxer.adapter.customexecutor.agent.AgentProcess;
import io.sandboxer.core.access.CredentialChoice;
import io.sandboxer.core.access.GuestAccess;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.lifecycle.AddressAssigned;
import io.sandboxer.core.lifecycle.Backoff;
import io.sandboxer.core.lifecycle.Deadline;
import io.sandboxer.core.lifecycle.ProgressListener;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.lifecycle.ReadySandbox;
import io.sandboxer.core.lifecycle.SandboxLifecycle;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.pool.Pool;
import io.sandboxer.core.pool.PooledNames;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxDefaults;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviders;
import io.sandboxer.core.settings.SettingsException;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshException;
import io.sandboxer.core.ssh.SshOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * prepare_exec: creates the job's sandbox and returns once an SSH login really works, printing what it waits for.
 * Accepts the KubeVirt Go tool's documented prepare flags unchanged.
 */
@Command(name = "prepare", mixinStandardHelpOptions = true, description = "Create the job's sandbox and wait until SSH logins work.")
final class PrepareCommand implements Callable<Integer> {
    /** After the guest answered prepare's own login, the agent's (made in parallel) is at most this far behind. */
    private static final Duration AGENT_READY_LIMIT = Duration.ofSeconds(30);
    @Mixin
    DriverConfig driver;
    @Mixin
    JobDefaults defaults;
    @Option(names = "--shell", defaultValue = "bash", converter = Shell.Converter.class,
            description = "bash (Linux guest) or pwsh (Windows guest, Cloudbase-Init).")
    Shell shell;
    @Option(names = "--method", defaultValue = "ssh", description = "How stages reach the guest: ssh (the only method).")
    String method;
    @Option(names = "--ssh-user", defaultValue = "runner", description = "User the stages log in as (default: ${DEFAULT-VALUE}).")
    String sshUser;
    @Option(names = "--ssh-port", defaultValue = "22", description = "SSH port in the guest (default: ${DEFAULT-VALUE}).")
    int sshPort;
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    FixedCredential fixed = new FixedCredential();
    @Option(names = "--default-image-pull-policy", description = "KubeVirt containerDisk pull policy.")
    String imagePullPolicy;
    @Option(names = "--default-image-pull-secret", description = "KubeVirt image pull secret.")
    String imagePullSecret;
    @Option(names = "--default-timezone", description = "Accepted for compatibility with the KubeVirt Go tool; guests keep their own time zone.")
    String timezone;
    @Option(names = "--timeout", defaultValue = "1h", converter = GoDurations.Positive.class,
            description = "Give up preparing after this long (default: ${DEFAULT-VALUE}).")
    Duration timeout;
    @Mixin
    SshDial sshDial;
    @Option(names = "--connection-agent", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Keep one SSH connection for the job's run stages in a per-job agent, which makes each sub-stage "
                    + "start in a fraction of a second (default: on; --no-connection-agent: every run stage connects itself).")
    boolean connectionAgent;
    @Option(names = "--agent-idle-timeout", defaultValue = "30m", converter = GoDurations.Positive.class,
            description = "The agent stops by itself after this long without a script (default: ${DEFAULT-VALUE}).")
    Duration agentIdleTimeout;

    @Override
    public Integer call() {
        RunnerEnvironment env = RunnerEnvironment.current();
        Progress progress = new Progress();
        Cancellation cancellation = Cancellation.onSigterm();
        if (!"ssh".equals(method)) {
            throw new StageException("--method " + method + " is not supported: ssh is the only method");
        }
        if (sshPort < 1 || sshPort > 65535) {
            throw new StageException("--ssh-port " + sshPort + " is not a port number: use 1 to 65535");
        }
        FixedCredential given = fixed == null ? new FixedCredential() : fixed;
        Optional<Secret> fixedPassword = SshPasswordSource.resolve(given.password, given.passwordFile, env);
        if (fixedPassword.isPresent() && given.privateKeyFile != null) {
            // The runner's environment password is no option, so picocli's group cannot see it.
            throw new StageException("give a fixed password or --ssh-private-key-file, not both");
        }
        OsFamily os = shell.os();
        Duration budget = timeout;
        Duration dial = sshDial.timeout;
        JobIdentity identity = JobIdentity.from(env);
        String name = identity.sandboxName(driver.prefix());

        ObjectNode settings = driver.settings();
        String backend = DriverConfig.backendName(settings);
        if ("kubevirt".equals(backend)) {
            if (imagePullPolicy != null) {
                settings.put("image_pull_policy", imagePullPolicy);
            }
            if (imagePullSecret != null) {
                settings.put("image_pull_secret", imagePullSecret);
            }
        }
        SandboxProviders.Configured<?> configured = driver.bind(settings);
        GuestAccess.Plan access = access(configured, os, sshUser, sshPort, credential(fixedPassword, given.privateKeyFile));
        SandboxSpec spec = spec(env, identity, name, access, configured);
        AgentProcess agent = null;
        try (SandboxProvider provider = configured.open()) {
            SandboxLifecycle lifecycle = new SandboxLifecycle(provider, WarmPool.readiness(dial));
            Deadline deadline = Deadline.after(budget, Clock.systemUTC());
            // The agent's JVM starts and connects while the guest boots, so the job's first run stage finds it ready.
            agent = connectionAgent ? JobAgent.start(driver, name, budget, agentIdleTimeout, dial).orElse(null) : null;
            AgentProcess started = agent;
            ProgressListener lines = ProgressListener.lines(progress::say);
            ProgressListener listener = started == null ? lines : lines.alsoOnCreated(id -> started.go());
            // A pool member was ready when pooled: the agent may log in at once, and its login is the member's check.
            ProgressListener claimed = started == null ? lines : lines.alsoOnCreated(id -> {
                started.go();
                started.guestUp();
            });
            Readiness memberCheck = started == null ? lifecycle.readiness() : new Readiness(List.of(new AddressAssigned(),
                    new AgentLogin(started, AGENT_READY_LIMIT, lifecycle.readiness().strategies().getLast())), Backoff.DEFAULT);
            ReadySandbox ready = fromPool(configured, provider, memberCheck, spec, fixedPassword.isPresent() || given.privateKeyFile != null,
                    deadline, claimed, progress).orElse(null);
            if (ready == null) {
                progress.say("creating sandbox " + name + " on " + backend + (spec.image() == null ? "" : " from " + spec.image().display()));
                ready = lifecycle.prepare(spec, deadline, listener);
            }
            ConnectInfo info = ready.connectInfo();
            progress.say("sandbox " + name + " has address " + info.address() + (info.port() == 22 ? "" : " port " + info.port()));
            progress.say("sandbox " + name + " is ready: SSH login as " + info.user() + " works (" + progress.elapsed().toSeconds() + " s)");
            if (agent != null) {
                agent.guestUp();
                String notReady = agent.awaitReady(min(AGENT_READY_LIMIT, deadline.remaining()));
                if (notReady == null) {
                    progress.say("the job's connection agent holds the SSH connection for the run stages");
                } else {
                    Diagnostics.warn("the connection agent did not start (" + notReady + "); run stages connect directly");
                }
                agent = null; // ready, or abandoned already
            }
            return 0;
        } catch (SandboxException | SshException e) {
            if (cancellation.isCancelled()) {
                throw new StageException("prepare was cancelled; cleanup removes what was made", e);
            }
            throw new StageException("preparing " + name + " failed: " + e.getMessage(), e);
        } finally {
            if (agent != null) {
                agent.abandon(); // prepare failed: cleanup removes the sandbox, and the agent has nothing to serve
            }
        }
    }

    /**
     * A ready member of the warm pool, claimed for this job, when the settings have a pool and the job's sandbox would be
     * the same as a member (image, sizes, machine, login, credentials generated per sandbox); empty, saying why, when the
     * job is to be created cold. A leftover of an earlier attempt of this job, claimed or created, is deleted first, and a
     * refill starts in the background whenever the pool served or could not serve a job it was made for.
     */
    private Optional<ReadySandbox> fromPool(SandboxProviders.Configured<?> configured, SandboxProvider provider, Readiness memberCheck,
            SandboxSpec spec, boolean fixedCredential, Deadline deadline, ProgressListener listener, Progress progress) {
        if (!configured.group().pool().enabled() || !Pool.supports(provider)) {
            return Optional.empty();
        }
        if (fixedCredential) {
            progress.say("the warm pool serves jobs whose credentials are made per sandbox; this runner gives a fixed one: creating the sandbox cold");
            return Optional.empty();
        }
        Pool pool = WarmPool.open(configured, provider, driver.prefix(), memberCheck);
        SandboxSpec asPoolSeesIt = WarmPool.asPoolSeesIt(configured, spec);
        if (!pool.matches(asPoolSeesIt)) {
            progress.say("this job's sandbox differs from the warm pool's (image, sizes, machine type or login): creating it cold");
            return Optional.empty();
        }
        SandboxProvider byJobName = PooledNames.resolving(provider);
        if (byJobName.get(spec.name()).isPresent()) {
            progress.say("a sandbox of an earlier attempt of this job is left: deleting it first");
            byJobName.delete(spec.name());
        }
        Optional<ReadySandbox> claimed = pool.claim(asPoolSeesIt, deadline, listener);
        if (claimed.isEmpty()) {
            progress.say("the warm pool has no ready sandbox: creating this one cold");
        }
        WarmPool.refillInBackground(driver).ifPresent(log -> progress.say("refilling the warm pool in the background (log: " + log + ")"));
        return claimed;
    }

    /** The job's login on its guest: the user and credential, with the group's CA certificates and password hash. */
    static GuestAccess.Plan access(SandboxProviders.Configured<?> configured, OsFamily os, String user, int port, CredentialChoice credential) {
        try {
            return new GuestAccess().plan(GuestAccess.Request.ssh(os, user, port, credential)
                    .withCaCertificates(configured.group().caCertificates()).withPasswordHash(configured.group().passwordHash()));
        } catch (SettingsException e) {
            throw new StageException(e.getMessage(), e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static CredentialChoice credential(Optional<Secret> fixedPassword, Path privateKeyFile) {
        if (privateKeyFile != null) {
            try {
                return CredentialChoice.key(SshPrivateKey.load(privateKeyFile, null));
            } catch (RuntimeException e) {
                throw new StageException("--ssh-private-key-file: " + e.getMessage(), e);
            }
        }
        return fixedPassword.map(CredentialChoice::password).orElseGet(CredentialChoice::generated);
    }

    private SandboxSpec spec(RunnerEnvironment env, JobIdentity identity, String name, GuestAccess.Plan access,
            SandboxProviders.Configured<?> configured) {
        SandboxDefaults backendDefaults = configured.defaults();
        try {
            return SandboxSpec.builder(name)
                    .image(defaults.imageRef(env, backendDefaults.image(), configured::imageNamed))
                    .machineType(defaults.machineType(env))
                    .architecture(defaults.architecture(env))
                    .resources(defaults.resources(env, backendDefaults))
                    .ttl(defaults.ttl(env, backendDefaults.ttl()))
                    .labels(Map.of("sandboxer.io/job-id", identity.jobId()))
                    .bootstrap(access.bootstrap(name))
                    .access(access.access())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new StageException(e.getMessage(), e);
        }
    }
}
