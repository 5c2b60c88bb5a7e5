package io.sandboxer.core.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.group.PoolSettings;
import io.sandboxer.core.lifecycle.Backoff;
import io.sandboxer.core.lifecycle.Deadline;
import io.sandboxer.core.lifecycle.ProgressListener;
import io.sandboxer.core.lifecycle.WaitStrategy;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.lifecycle.ReadySandbox;
import io.sandboxer.core.lifecycle.AddressAssigned;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.ImageRef;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.model.ResourceRequirement;
import io.sandboxer.core.model.Resources;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxAccess;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.SandboxNotFoundException;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.testing.InMemorySandboxProvider;
import io.sandboxer.core.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PoolTest {
    private static final Readiness ADDRESS = new Readiness(List.of(new AddressAssigned()), new Backoff(Duration.ofMillis(1), Duration.ofMillis(2), 2));
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-06T10:00:00Z"));
    private final InMemorySandboxProvider.World world = new InMemorySandboxProvider.World();
    private final InMemorySandboxProvider provider = new InMemorySandboxProvider(world, "g", clock, SandboxState.RUNNING);

    private static PoolSettings size(int size) {
        return new PoolSettings(size, Duration.ofHours(1), Duration.ofMinutes(5), null, null, null, null, null, null);
    }

    private static SandboxSpec spec(String name, String image) {
        return SandboxSpec.builder(name).image(new ImageRef.PoolVolume("default", image))
                .resources(new Resources(ResourceRequirement.of(Quantity.parse("1")), null, null))
                .access(SandboxAccess.ssh("runner", new Credential.Password(Secret.of("pw-" + name))))
                .labels(Map.of("sandboxer.io/job-id", name.startsWith("t-j") ? name.substring(3) : "none")).build();
    }

    private Pool pool(SandboxProvider backend, PoolSettings settings) {
        return new Pool(backend, settings, "t", name -> spec(name, "debian"), ADDRESS, clock, 4);
    }

    private Deadline minute() {
        return Deadline.after(Duration.ofMinutes(1), clock);
    }

    @Test
    void fillMakesTheMissingMembersAndMarksThemReady() {
        Pool pool = pool(provider, size(3));
        provider.seed(new Sandbox("t-j1-cold", SandboxState.RUNNING, "10.0.0.9", null, clock.instant(), null, Map.of(), null));

        Pool.FillReport report = pool.fill(ProgressListener.SILENT);

        assertEquals(3, report.made().size(), report.toString());
        for (String id : report.made()) {
            Sandbox member = provider.get(id).orElseThrow();
            assertTrue(id.startsWith("t-p"), id);
            assertTrue(PoolLabels.isMarkedReady(member), member.labels().toString());
            assertEquals(pool.shape(), member.labels().get(PoolLabels.SHAPE));
            assertFalse(PoolLabels.isClaimed(member));
        }
        assertEquals(3, pool.status().count(PoolStatus.Condition.READY));
        assertEquals(List.of(), pool.fill(ProgressListener.SILENT).made(), "a full pool makes nothing");
    }

    @Test
    void aClaimHandsOneMemberToOneJobWhichFindsItByItsOwnName() {
        Pool pool = pool(provider, size(1));
        String member = pool.fill(ProgressListener.SILENT).made().get(0);

        ReadySandbox claimed = pool.claim(spec("t-j42-abc", "debian"), minute()).orElseThrow();

        assertEquals(member, claimed.sandbox().id());
        Sandbox now = provider.get(member).orElseThrow();
        assertEquals("t-j42-abc", now.labels().get(PoolLabels.CLAIMED_BY));
        assertEquals("42-abc", now.labels().get("sandboxer.io/job-id"), "the job's own labels go on the member");
        assertEquals(Optional.empty(), pool.claim(spec("t-j43-abc", "debian"), minute()), "a member serves one job only");

        SandboxProvider byJobName = PooledNames.resolving(provider);
        assertEquals(member, byJobName.get("t-j42-abc").orElseThrow().id());
        assertEquals(member, byJobName.connectInfo("t-j42-abc").id());
        assertTrue(byJobName.delete("t-j42-abc"));
        assertEquals(Optional.empty(), provider.get(member));
        assertFalse(byJobName.delete("t-j42-abc"), "delete stays idempotent");
        assertThrows(SandboxNotFoundException.class, () -> byJobName.connectInfo("t-j42-abc"));
    }

    @Test
    void claimsRacingFromManyThreadsAndProcessesEachGetADifferentMemberOrNone() throws Exception {
        pool(provider, size(3)).fill(ProgressListener.SILENT);
        int claimants = 12;
        CountDownLatch start = new CountDownLatch(1);
        List<String> won = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService threads = Executors.newFixedThreadPool(claimants)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < claimants; i++) {
                // A provider per claimant over one backend: separate processes, as two prepare stages are.
                Pool own = pool(new InMemorySandboxProvider(world, "g", clock, SandboxState.RUNNING), size(3));
                String job = "t-j" + (100 + i) + "-abc";
                done.add(threads.submit(() -> {
                    start.await();
                    own.claim(spec(job, "debian"), minute()).ifPresent(r -> won.add(r.sandbox().id()));
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertEquals(3, won.size(), "every member was claimed once: " + won);
        assertEquals(3, new HashSet<>(won).size(), "no member twice: " + won);
    }

    @Test
    void aJobOfAnotherShapeIsLeftToACreateColdAndTheMembersStay() {
        Pool pool = pool(provider, size(1));
        pool.fill(ProgressListener.SILENT);

        assertFalse(pool.matches(spec("t-j5-abc", "fedora")));
        assertEquals(Optional.empty(), pool.claim(spec("t-j5-abc", "fedora"), minute()));
        assertEquals(1, pool.status().count(PoolStatus.Condition.READY));
    }

    @Test
    void recycleRemovesOldStuckAndForeignMembersButNeverAClaimedOne() {
        Pool pool = pool(provider, size(2));
        List<String> first = pool.fill(ProgressListener.SILENT).made();
        pool.claim(spec("t-j7-abc", "debian"), minute()).orElseThrow();
        clock.advance(Duration.ofMinutes(61));
        // A member whose filler died before it was ready, and one of an earlier pool spec.
        provider.seed(new Sandbox("t-pstuck", SandboxState.RUNNING, "10.0.0.7", null, clock.instant().minus(Duration.ofMinutes(6)), null,
                Map.of(PoolLabels.SHAPE, pool.shape()), null));
        provider.seed(new Sandbox("t-pforeign", SandboxState.RUNNING, "10.0.0.8", null, clock.instant(), null,
                Map.of(PoolLabels.SHAPE, "0000000000000000", PoolLabels.READY, "true"), null));

        List<String> recycled = pool.recycle();

        Set<String> stillThere = provider.ids();
        assertTrue(recycled.containsAll(List.of("t-pstuck", "t-pforeign")), recycled.toString());
        assertEquals(1, stillThere.size(), "only the claimed member stays: " + stillThere);
        assertTrue(first.containsAll(stillThere));
        assertEquals("t-j7-abc", provider.get(stillThere.iterator().next()).orElseThrow().labels().get(PoolLabels.CLAIMED_BY));
    }

    @Test
    void aFillTrimsAPoolThatHoldsMoreThanItsSizeNewestReadyFirst() {
        pool(provider, size(3)).fill(ProgressListener.SILENT);
        clock.advance(Duration.ofSeconds(5));
        provider.seed(new Sandbox("t-pbooting", SandboxState.RUNNING, "10.0.0.7", null, clock.instant(), null,
                Map.of(PoolLabels.SHAPE, pool(provider, size(1)).shape()), null)); // another filler waits for this one

        Pool.FillReport report = pool(provider, size(1)).fill(ProgressListener.SILENT);

        assertEquals(2, report.recycled().size(), report.toString());
        assertTrue(provider.ids().contains("t-pbooting"), "a booting member is left to its filler");
        assertEquals(1, pool(provider, size(1)).status().count(PoolStatus.Condition.READY));
        assertEquals(List.of(), report.made());
    }

    @Test
    void drainDeletesEveryUnclaimedMemberAndAnOffPoolRecyclesThemAll() {
        Pool pool = pool(provider, size(3));
        pool.fill(ProgressListener.SILENT);
        String claimed = pool.claim(spec("t-j8-abc", "debian"), minute()).orElseThrow().sandbox().id();

        assertEquals(2, pool.drain().size());
        assertEquals(Set.of(claimed), provider.ids());

        pool.fill(ProgressListener.SILENT);
        assertEquals(3, pool(provider, PoolSettings.none()).recycle().size(), "size 0: no unclaimed member may stay");
        assertEquals(Set.of(claimed), provider.ids());
    }

    @Test
    void aMemberThatDoesNotAnswerIsDeletedAndTheClaimMovesOn() {
        Set<String> dead = ConcurrentHashMap.newKeySet();
        Readiness answering = new Readiness(List.of(WaitStrategy.named("a login", (p, id, known) -> {
            if (dead.contains(id)) {
                throw new SandboxException(id + " is gone for good", false);
            }
            return p.connectInfo(id);
        })), new Backoff(Duration.ofMillis(1), Duration.ofMillis(2), 2));
        String older = new Pool(provider, size(1), "t", name -> spec(name, "debian"), answering, clock, 4).fill(ProgressListener.SILENT).made().get(0);
        clock.advance(Duration.ofSeconds(1));
        Pool pool = new Pool(provider, size(2), "t", name -> spec(name, "debian"), answering, clock, 4);
        String newer = pool.fill(ProgressListener.SILENT).made().get(0);
        dead.add(older); // fine when made; since died. The oldest member is tried first.

        ReadySandbox got = pool.claim(spec("t-j9-abc", "debian"), minute()).orElseThrow();

        assertEquals(newer, got.sandbox().id());
        assertEquals(Set.of(newer), provider.ids(), "the dead member was deleted");
    }
}
