package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.lifecycle.GarbageCollector;
import io.sandboxer.core.pool.Pool;
import io.sandboxer.core.pool.PoolStatus;
import io.sandboxer.core.provider.GarbageQuery;
import io.sandboxer.core.provider.GarbageReport;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviders;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** gc: removes expired sandboxes and orphaned side resources of the group; safe from cron. */
@Command(name = "gc", mixinStandardHelpOptions = true, description = "Delete expired sandboxes and orphaned side resources (cron-safe).")
final class GcCommand implements Callable<Integer> {
    @Mixin
    DriverConfig driver;
    @Option(names = "--dry-run", description = "Only say what would be deleted.")
    boolean dryRun;
    @Option(names = "--max-age", defaultValue = "3h", converter = GoDurations.Positive.class,
            description = "Age after which a sandbox without expiry counts as expired (default: ${DEFAULT-VALUE}).")
    Duration maxAge;
    @Option(names = "--orphan-grace", defaultValue = "10m", converter = GoDurations.NotNegative.class, description = "Leftovers (an overlay, a credentials file) whose sandbox is gone are "
            + "removed once older than this, so a prepare running meanwhile keeps its pieces (default: ${DEFAULT-VALUE}).")
    Duration orphanGrace;

    /**
     * Pool members no job may claim any more (too old, never ready, failed, of an earlier pool spec, or any unclaimed one
     * when the pool is off): taken and deleted, or only listed in a dry run. Claimed members are their jobs' (expiry).
     */
    private List<String> recyclePool(SandboxProviders.Configured<?> configured, SandboxProvider provider, String verb) {
        if (!Pool.supports(provider)) {
            return List.of();
        }
        Pool pool = WarmPool.open(configured, provider, driver.prefix());
        List<String> stale = dryRun
                ? pool.status().members().stream().filter(m -> m.condition() == PoolStatus.Condition.STALE).map(PoolStatus.Member::id).toList()
                : pool.recycle();
        stale.forEach(id -> System.out.println(verb + " stale pooled sandbox " + id));
        return stale;
    }

    @Override
    public Integer call() {
        // This driver's own names (<prefix>-j<job id>-…) besides the backend's Fleeting prefix: a killed prepare's
        // overlay is found whichever adapter made it.
        GarbageQuery query = new GarbageQuery(maxAge, dryRun, Set.of(driver.prefix() + "-j", driver.prefix() + Pool.MEMBER_INFIX), orphanGrace);
        SandboxProviders.Configured<?> configured = driver.bind(driver.settings());
        try (SandboxProvider provider = configured.openExisting()) { // not by job names: gc sees the group as it is
            GarbageReport report = new GarbageCollector(provider, Clock.systemUTC()).collect(query);
            String verb = dryRun ? "would delete" : "deleted";
            report.expiredSandboxes().forEach(id -> System.out.println(verb + " sandbox " + id));
            report.orphans().forEach(id -> System.out.println(verb + " orphan " + id));
            report.failures().forEach((id, why) -> Diagnostics.say("could not delete " + id + ": " + why));
            List<String> recycled = recyclePool(configured, provider, verb);
            JobAgent.orphans(provider, driver.prefix() + "-j", orphanGrace, dryRun).forEach(id -> System.out.println(verb + " connection agent of " + id));
            System.out.println((dryRun ? "dry run: " : "") + report.expiredSandboxes().size() + " expired sandbox(es), " + report.orphans().size()
                    + " orphan(s), " + recycled.size() + " stale pooled sandbox(es)" + (report.failures().isEmpty() ? "" : ", " + report.failures().size() + " failure(s)"));
            return report.failures().isEmpty() ? 0 : RunnerEnvironment.current().systemFailureExitCode();
        }
    }
}
