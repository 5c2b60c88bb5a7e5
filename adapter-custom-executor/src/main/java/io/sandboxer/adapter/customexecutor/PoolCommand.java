package io.sandboxer.adapter.customexecutor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sandboxer.core.group.PoolSettings;
import io.sandboxer.core.lifecycle.ProgressListener;
import io.sandboxer.core.pool.Pool;
import io.sandboxer.core.pool.PoolStatus;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviders;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sandboxer pool}: the operator's handle on the warm pool the settings describe ({@code "pool": {"size": N, ...}}).
 * {@code prepare} claims from it and starts a refill by itself; these commands are for a first fill, cron and looking.
 */
@Command(name = "pool", mixinStandardHelpOptions = true, subcommands = {PoolCommand.Fill.class, PoolCommand.Status.class, PoolCommand.Drain.class},
        description = {"The warm pool: sandboxes booted before any job asks, each serving exactly one job.",
            "Configure it in the settings: \"pool\": {\"size\": 2, \"max_age\": \"4h\", \"image\": ..., \"cpu\": ..., \"memory\": ...}."},
        commandListHeading = "%nCommands:%n")
final class PoolCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    @Command(name = "fill", mixinStandardHelpOptions = true,
            description = {"Recycle stale members, then make new ones until pool.size are ready or booting, and wait for them.",
                "One fill per pool runs at a time on this machine: another exits at once. Safe from cron."})
    static final class Fill implements Callable<Integer> {
        /** A fill made members; claims may have taken others meanwhile: look again, this many times at most. */
        private static final int ROUNDS = 5;
        @Mixin
        DriverConfig driver;
        @Mixin
        SshDial sshDial;

        @Override
        public Integer call() throws IOException {
            Progress progress = new Progress();
            SandboxProviders.Configured<?> configured = driver.bind(driver.settings());
            Optional<FileChannel> lock = WarmPool.tryLock(driver.prefix());
            if (lock.isEmpty()) {
                progress.say("another fill of this pool runs on this machine; it refills what is missing");
                return 0;
            }
            try (FileChannel held = lock.get(); SandboxProvider provider = configured.open()) {
                Pool pool = WarmPool.open(configured, provider, driver.prefix(), WarmPool.readiness(sshDial.timeout));
                int failures = 0;
                for (int round = 1; round <= ROUNDS; round++) {
                    Pool.FillReport report = pool.fill(ProgressListener.lines(progress::say));
                    report.recycled().forEach(id -> progress.say("recycled " + id));
                    failures += report.failed().size();
                    if (report.made().isEmpty()) {
                        break;
                    }
                }
                PoolStatus status = pool.status();
                progress.say("pool: " + status.count(PoolStatus.Condition.READY) + " ready of " + status.size()
                        + (failures == 0 ? "" : ", " + failures + " member(s) failed to boot (deleted)"));
                return failures == 0 ? 0 : 1;
            } catch (SandboxException e) {
                throw new StageException("filling the pool failed: " + e.getMessage(), e);
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "List the pool's members: ready, booting, claimed (by which job), stale.")
    static final class Status implements Callable<Integer> {
        @Mixin
        DriverConfig driver;
        @Option(names = "--json", description = "One JSON object on stdout instead of lines.")
        boolean json;

        @Override
        public Integer call() {
            SandboxProviders.Configured<?> configured = driver.bind(driver.settings());
            try (SandboxProvider provider = configured.openExisting()) {
                PoolStatus status = WarmPool.open(configured, provider, driver.prefix()).status();
                if (json) {
                    System.out.println(asJson(status, configured.group().pool()));
                    return 0;
                }
                System.out.println("pool of " + status.size() + (status.size() == 0 ? " (off: set \"pool\": {\"size\": N} in the settings)" : "")
                        + ": " + status.count(PoolStatus.Condition.READY) + " ready, " + status.count(PoolStatus.Condition.BOOTING) + " booting, "
                        + status.count(PoolStatus.Condition.CLAIMED) + " claimed, " + status.count(PoolStatus.Condition.STALE) + " stale");
                for (PoolStatus.Member m : status.members()) {
                    System.out.printf("  %-40s %-8s %6ds%s%n", m.id(), m.condition().name().toLowerCase(Locale.ROOT), m.age().toSeconds(),
                            m.claimant() != null ? "  by " + m.claimant() : m.why() != null ? "  " + m.why() : "");
                }
                return 0;
            }
        }

        private static String asJson(PoolStatus status, PoolSettings settings) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode out = mapper.createObjectNode().put("size", status.size()).put("max_age", settings.maxAge().toString())
                    .put("at", Instant.now().toString());
            ArrayNode members = out.putArray("members");
            for (PoolStatus.Member m : status.members()) {
                ObjectNode node = members.addObject().put("id", m.id()).put("condition", m.condition().name().toLowerCase(Locale.ROOT))
                        .put("age_seconds", m.age().toSeconds());
                if (m.claimant() != null) {
                    node.put("claimed_by", m.claimant());
                }
                if (m.why() != null) {
                    node.put("why", m.why());
                }
            }
            return out.toString();
        }
    }

    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = "Delete every unclaimed member (any pool spec); members serving jobs stay with their jobs, whose cleanup deletes them.")
    static final class Drain implements Callable<Integer> {
        @Mixin
        DriverConfig driver;

        @Override
        public Integer call() {
            SandboxProviders.Configured<?> configured = driver.bind(driver.settings());
            try (SandboxProvider provider = configured.openExisting()) {
                List<String> removed = WarmPool.open(configured, provider, driver.prefix()).drain();
                removed.forEach(id -> System.out.println("deleted pooled sandbox " + id));
                System.out.println(removed.size() + " pooled sandbox(es) deleted");
                return 0;
            } catch (SandboxException e) {
                throw new StageException("draining the pool failed (run it again): " + e.getMessage(), e);
            }
        }
    }
}
