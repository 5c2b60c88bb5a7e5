package io.sandboxer.adapter.customexecutor;

import io.sandboxer.adapter.customexecutor.agent.AgentDirectory;
import io.sandboxer.adapter.customexecutor.agent.Detached;
import io.sandboxer.core.access.CredentialChoice;
import io.sandboxer.core.access.GuestAccess;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.group.PoolSettings;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.model.ImageRef;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.model.ResourceRequirement;
import io.sandboxer.core.model.Resources;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.pool.Pool;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviders;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshOptions;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The driver's side of the warm pool ({@code "pool"} in the settings): the members' spec, made from the settings alone
 * so that {@code prepare}, {@code pool fill} from cron and the background refill all make the same members; the refill a
 * claim starts (a detached {@code sandboxer pool fill} that outlives the stage and logs to a file); and the lock that
 * lets one fill of a pool run at a time on this machine.
 */
final class WarmPool {
    private WarmPool() {
    }

    static Pool open(SandboxProviders.Configured<?> configured, SandboxProvider provider, String prefix, Readiness readiness) {
        PoolSettings settings = configured.group().pool();
        return new Pool(provider, settings, prefix, name -> memberSpec(configured, settings, name), readiness, Clock.systemUTC(),
                configured.group().maxParallelCreates());
    }

    /** The pool for commands that only look, recycle or delete (status, drain, gc): they never wait for a login. */
    static Pool open(SandboxProviders.Configured<?> configured, SandboxProvider provider, String prefix) {
        return open(configured, provider, prefix, readiness(Duration.ofSeconds(10)));
    }

    /** What prepare waits for, for members too: an address, then an SSH login on a guest whose bootstrap finished. */
    static Readiness readiness(Duration dial) {
        return Readiness.forJobs(SshOptions.DEFAULT.withConnectTimeout(dial), HostKeyPolicy.insecure("the guest's host key was not injected"));
    }

    /** A member: the pool's image and sizes, a Linux login of its own (generated credentials, never shared). */
    static SandboxSpec memberSpec(SandboxProviders.Configured<?> configured, PoolSettings pool, String name) {
        GuestAccess.Plan access = PrepareCommand.access(configured, OsFamily.LINUX, pool.sshUser(), pool.sshPort(), CredentialChoice.generated());
        return SandboxSpec.builder(name)
                .image(image(configured, pool.image()))
                .resources(new Resources(requested(pool.cpu()), requested(pool.memory()), requested(pool.storage())))
                .bootstrap(access.bootstrap(name))
                .access(access.access())
                .build();
    }

    /**
     * The job's spec as the pool compares it: a job that names no image boots the backend's default image, which is the
     * image a member without {@code pool.image} has.
     */
    static SandboxSpec asPoolSeesIt(SandboxProviders.Configured<?> configured, SandboxSpec job) {
        return job.image() != null ? job : job.toBuilder(job.name()).image(image(configured, null)).build();
    }

    private static ImageRef image(SandboxProviders.Configured<?> configured, String name) {
        String chosen = name != null ? name : configured.defaults().image();
        return chosen == null ? null : configured.imageNamed(chosen);
    }

    /** As a job's {@code --default-*-request} flag sets it: the request, no limit. */
    private static ResourceRequirement requested(Quantity amount) {
        return new ResourceRequirement(amount, null);
    }

    /** The pool's files on this machine: the refill's log and the fill lock, in the user's private driver directory. */
    record PoolFiles(Path log, Path lock) {
    }

    static PoolFiles files(String prefix) throws IOException {
        Path base = AgentDirectory.from(System.getenv()).privateBase();
        return new PoolFiles(base.resolve("pool-" + prefix + ".log"), base.resolve("pool-" + prefix + ".lock"));
    }

    /**
     * Starts {@code sandboxer pool fill} {@link Detached} (the runner's signals to the stage do not reach it), its output
     * appended to the pool's log; empty, with a warning, when it cannot start.
     */
    static Optional<Path> refillInBackground(DriverConfig driver) {
        try {
            PoolFiles files = files(driver.prefix());
            if (!Files.exists(files.log())) {
                Files.createFile(files.log(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            }
            List<String> argv = new ArrayList<>(JobAgent.launcher());
            argv.addAll(List.of("pool", "fill"));
            argv.addAll(driver.arguments());
            Detached.start(argv, files.log());
            return Optional.of(files.log());
        } catch (IOException | RuntimeException e) {
            Diagnostics.warn("cannot start the pool's refill (" + e.getMessage() + "); run `sandboxer pool fill` to refill it");
            return Optional.empty();
        }
    }

    /** The fill lock of this pool on this machine, when no other fill holds it. Closing releases it; so does dying. */
    static Optional<FileChannel> tryLock(String prefix) throws IOException {
        FileChannel channel = FileChannel.open(files(prefix).lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            return Optional.empty();
        }
        return Optional.of(channel); // closing the channel releases the lock
    }
}
