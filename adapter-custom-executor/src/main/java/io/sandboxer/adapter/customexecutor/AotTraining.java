package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.access.CredentialChoice;
import io.sandboxer.core.access.GuestAccess;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.errors.UserMessages;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviders;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshException;
import io.sandboxer.core.ssh.SshOptions;
import io.sandboxer.core.ssh.SshSession;
import io.sandboxer.core.ssh.SshTarget;
import io.sandboxer.core.training.TrainingBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The AOT caches' training runs (run by the build's {@code make-aot-cache} with a {@code JOB_RESPONSE_FILE} of its
 * own, never by the runner), on libvirt's in-memory test driver. A JVM loads every class of its AOT cache at start,
 * so each kind of stage has a cache of its own path: {@code sandboxer aot-training} runs a {@code config} and a
 * {@code cleanup} stage (settings, the job identity, the backend's start and lookups: what the short stages load,
 * {@code run} included); {@code sandboxer aot-training prepare} does what {@code prepare} does before it waits for
 * a guest (the guest's access, a create and delete, the SSH client's set-up), which the connection agent shares.
 * Each leaves nothing behind and returns the worst exit code; a failure costs a cache some classes, never correctness.
 */
final class AotTraining {
    static final String COMMAND = "aot-training";
    static final String PREPARE = "prepare";

    private AotTraining() {
    }

    /**
     * What {@code prepare} does before it waits for the guest, through the same calls without picocli (whose classes
     * cannot be cached): the guest's access (key generation, password hashing), the rendered bootstrap, the backend's
     * create checks, a create and a delete on the test driver; then an SSH connection attempt to a closed port, which
     * loads the SSH client's set-up (the agent's and {@code run}'s too).
     */
    private static int createAndDelete(Path settingsFile) {
        try {
            DriverConfig driver = new DriverConfig();
            driver.configFile = settingsFile;
            driver.namePrefix = DriverConfig.DEFAULT_PREFIX;
            SandboxProviders.Configured<?> configured = driver.bind(driver.settings());
            GuestAccess.Plan access = PrepareCommand.access(configured, OsFamily.LINUX, "runner", 22, new CredentialChoice.Generated());
            String name = JobIdentity.from(RunnerEnvironment.current()).sandboxName(driver.prefix());
            SandboxSpec spec = SandboxSpec.builder(name).image(configured.imageNamed(configured.defaults().image()))
                    .bootstrap(access.bootstrap(name)).access(access.access()).build();
            try (SandboxProvider provider = configured.open()) {
                provider.create(spec);
                provider.connectInfo(name);
                provider.delete(name);
            }
            int closedPort;
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closedPort = socket.getLocalPort();
            }
            SshTarget nobody = new SshTarget("127.0.0.1", closedPort, access.access().user(), access.access().credential(),
                    HostKeyPolicy.insecure("training"));
            try (SshSession ssh = SshSession.connect(nobody, SshOptions.DEFAULT.withConnectTimeout(Duration.ofSeconds(1)))) {
                ssh.isOpen(); // nothing listens there: not reached
            } catch (SshException expected) {
                // refused, as meant
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            Diagnostics.warn("training: create and delete: " + UserMessages.of(e));
            return 1;
        }
    }

    /** {@code aot-training}: the short stages' cache; {@code aot-training prepare}: prepare's and the agent's. */
    static int run(String... args) {
        boolean prepare = args.length == 1 && PREPARE.equals(args[0]);
        if (args.length > 0 && !prepare) {
            Diagnostics.error("aot-training takes no argument, or \"" + PREPARE + "\"");
            return 2;
        }
        try {
            Optional<TrainingBackend> created = TrainingBackend.create();
            if (created.isEmpty()) {
                Diagnostics.warn("training: no backend on the class path ships training settings; config only");
                return QuickStart.tryStage(new String[] {"config"}).orElse(1);
            }
            try (TrainingBackend backend = created.get()) {
                Path settings = Files.writeString(backend.dir().resolve("settings.json"), backend.settings());
                if (prepare) {
                    return createAndDelete(settings);
                }
                int config = QuickStart.tryStage(new String[] {"config", "--config", settings.toString()}).orElse(1);
                int cleanup = QuickStart.tryStage(new String[] {"cleanup", "--config", settings.toString()}).orElse(1);
                return Math.max(config, cleanup);
            }
        } catch (IOException | UncheckedIOException e) {
            Diagnostics.warn("training: " + e.getMessage());
            return 1;
        }
    }
}
