package io.sandboxer.core.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.group.InstanceName;
import io.sandboxer.core.group.SweepPolicy;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.testing.InMemorySandboxProvider;
import io.sandboxer.core.testing.ManualClock;
import io.sandboxer.core.testing.Poll;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FleetTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final Pattern NAME = Pattern.compile("^gitlab-runner-20261122-100000-\\d{8}-\\d{6}-[0-9a-f]{6}$");
    private static final SpecFactory SPECS = name -> SandboxSpec.builder(name.format()).build();

    private final ManualClock clock = new ManualClock(NOW);
    private final InMemorySandboxProvider provider = new InMemorySandboxProvider(new InMemorySandboxProvider.World(), "group-a", clock,
            SandboxState.RUNNING);
    private final Set<String> ready = ConcurrentHashMap.newKeySet();
    private final ReadinessProbe probe = info -> ready.contains(info.id());
    private final List<Fleet> fleets = new ArrayList<>();

    private Fleet fleet(FleetSettings settings) {
        Fleet fleet = new Fleet(provider, settings, SPECS, probe, clock);
        fleets.add(fleet);
        return fleet;
    }

    @AfterEach
    void closeFleets() {
        fleets.forEach(Fleet::close);
    }

    @Test
    void increaseCreatesNamedInstancesOfThisBootGeneration() {
        Fleet fleet = fleet(FleetSettings.of(10));
        IncreaseResult result = fleet.increase(3);
        assertTrue(result.isComplete(), result.aggregatedError());
        assertEquals(3, result.succeeded());
        result.created().forEach(id -> assertTrue(NAME.matcher(id).matches(), id));
        assertEquals(Set.copyOf(result.created()), provider.ids());
    }

    @Test
    void maxSizeCapsAnIncreaseAndSaysSo() {
        Fleet fleet = fleet(FleetSettings.of(4));
        assertEquals(3, fleet.increase(3).succeeded());
        IncreaseResult second = fleet.increase(3);
        assertEquals(1, second.succeeded());
        assertTrue(second.aggregatedError().contains("max_size 4 reached"), second.aggregatedError());
        assertEquals(0, fleet.increase(1).succeeded());
        assertEquals(4, provider.ids().size());
    }

    @Test
    void partialFailureOfABatchKeepsTheSuccesses() {
        Fleet fleet = fleet(FleetSettings.of(10));
        Set<String> failed = ConcurrentHashMap.newKeySet();
        provider.failCreatesWhere(name -> failed.size() < 2 && failed.add(name));
        IncreaseResult result = fleet.increase(5);
        assertEquals(3, result.succeeded());
        assertEquals(2, result.errors().size());
        assertTrue(result.aggregatedError().startsWith("2 of 5 instance(s) not created"), result.aggregatedError());
        assertTrue(result.aggregatedError().contains("injected create failure"), result.aggregatedError());
        // Failed ones do not count against max_size and are not reported.
        assertEquals(3, fleet.activeCount());
        assertEquals(Set.copyOf(result.created()), fleet.update().stream().map(FleetInstance::id).collect(Collectors.toSet()));
    }

    @Test
    void creationParallelismIsBounded() throws Exception {
        Fleet fleet = fleet(new FleetSettings("gitlab-runner", 20, 3, SweepPolicy.DELETE));
        CountDownLatch gate = new CountDownLatch(1);
        provider.holdCreatesOn(gate);
        CompletableFuture<IncreaseResult> increase = CompletableFuture.supplyAsync(() -> fleet.increase(10));
        Poll.until("three creates run at once", Duration.ofSeconds(10), () -> provider.concurrentCreates() == 3);
        // While the batch is in flight, its instances are reported as creating and count against max_size.
        assertEquals(10, fleet.update().stream().filter(i -> i.state() == SandboxState.CREATING).count());
        gate.countDown();
        assertEquals(10, increase.get(10, TimeUnit.SECONDS).succeeded());
        assertEquals(3, provider.maxConcurrentCreates());
    }

    @Test
    void runningOnlyOnceTheReadinessProbeAnswers() {
        Fleet fleet = fleet(FleetSettings.of(5));
        String id = fleet.increase(1).created().get(0);
        assertEquals(SandboxState.CREATING, stateOf(fleet.update(), id), "machine runs but SSH does not answer yet");
        ready.add(id);
        clock.advance(Fleet.PROBE_BACKOFF.initial());
        assertEquals(SandboxState.RUNNING, stateOf(fleet.update(), id));
        ready.remove(id);
        assertEquals(SandboxState.RUNNING, stateOf(fleet.update(), id), "readiness is sticky once reached");
    }

    @Test
    void aBootingInstanceIsProbedLessAndLessOftenNotOnEveryUpdate() {
        AtomicInteger probes = new AtomicInteger();
        Fleet fleet = new Fleet(provider, FleetSettings.of(5), SPECS, info -> probes.incrementAndGet() < 0, clock);
        fleets.add(fleet);
        String id = fleet.increase(1).created().get(0);
        for (int i = 0; i < 5; i++) {
            fleet.update(); // the runner asks often; the clock stands still
        }
        assertEquals(1, probes.get(), "one probe until its pause is over");
        Duration pause = Fleet.PROBE_BACKOFF.initial();
        for (int round = 2; round <= 6; round++) {
            clock.advance(pause.minusMillis(1));
            fleet.update();
            assertEquals(round - 1, probes.get(), "not before the pause is over (round " + round + ")");
            clock.advance(Duration.ofMillis(1));
            fleet.update();
            assertEquals(round, probes.get(), "once the pause is over (round " + round + ")");
            pause = Fleet.PROBE_BACKOFF.after(pause);
        }
        assertEquals(Fleet.PROBE_BACKOFF.max(), pause, "the pause has grown to its cap");
        assertEquals(SandboxState.CREATING, stateOf(fleet.update(), id));
    }

    @Test
    void aFailingProbeOrConnectInfoNeverDropsAnInstance() {
        ReadinessProbe exploding = info -> {
            throw new IllegalStateException("boom");
        };
        Fleet fleet = new Fleet(provider, FleetSettings.of(5), SPECS, exploding, clock);
        fleets.add(fleet);
        List<String> ids = fleet.increase(2).created();
        List<FleetInstance> update = fleet.update();
        assertEquals(Set.copyOf(ids), update.stream().map(FleetInstance::id).collect(Collectors.toSet()));
        update.forEach(i -> assertEquals(SandboxState.CREATING, i.state()));
    }

    @Test
    void updateFailsOnlyWhenTheBackendCannotBeListed() {
        Fleet fleet = fleet(FleetSettings.of(5));
        fleet.increase(1);
        provider.failLists(true);
        assertThrows(SandboxException.class, fleet::update);
        provider.failLists(false);
        assertEquals(1, fleet.update().size());
    }

    @Test
    void backendStatesArePassedThrough() {
        Fleet fleet = fleet(FleetSettings.of(5));
        String id = fleet.increase(1).created().get(0);
        provider.setState(id, SandboxState.FAILED);
        assertEquals(SandboxState.FAILED, stateOf(fleet.update(), id));
    }

    @Test
    void withDeleteFailedTheFleetItselfDeletesAFailedInstanceAndReportsItDeleting() {
        Fleet fleet = fleet(FleetSettings.of(5).deletingFailed());
        String id = fleet.increase(1).created().get(0);
        provider.setState(id, SandboxState.FAILED);
        assertEquals(SandboxState.DELETING, stateOf(fleet.update(), id));
        // The Fleet forgets the instance just after the backend's delete returns: wait for both.
        Poll.until("the failed instance is deleted and its slot freed", Duration.ofSeconds(10),
                () -> !provider.ids().contains(id) && fleet.activeCount() == 0);
        assertEquals(List.of(id), provider.deleteCalls(), "deleted once, not on every update");
    }

    @Test
    void heartbeatsAskTheBackend() {
        Fleet fleet = fleet(FleetSettings.of(5));
        String id = fleet.increase(1).created().get(0);
        assertEquals(Optional.empty(), fleet.healthProblem(id));
        provider.setState(id, SandboxState.FAILED);
        assertTrue(fleet.healthProblem(id).orElseThrow().contains("is unhealthy"));
        assertTrue(fleet.healthProblem("gitlab-runner-20200101-000000-20200101-000000-abcdef").orElseThrow().contains("does not exist"));
    }

    @Test
    void decreaseIsIdempotentAndGoneCountsAsRemoved() {
        Fleet fleet = fleet(FleetSettings.of(5));
        List<String> ids = fleet.increase(2).created();
        DecreaseResult first = fleet.decrease(ids);
        assertEquals(Set.copyOf(ids), Set.copyOf(first.removed()));
        assertTrue(first.failures().isEmpty());
        DecreaseResult again = fleet.decrease(List.of(ids.get(0), "gitlab-runner-20200101-000000-20200101-000000-abcdef"));
        assertEquals(2, again.removed().size());
        assertTrue(provider.ids().isEmpty());
        assertEquals(0, fleet.activeCount());
    }

    @Test
    void aFailedDeleteIsReportedAsDeletingUntilARetrySucceeds() {
        Fleet fleet = fleet(FleetSettings.of(5));
        String id = fleet.increase(1).created().get(0);
        provider.failDeletesOf(id);
        DecreaseResult result = fleet.decrease(List.of(id));
        assertTrue(result.removed().isEmpty());
        assertTrue(result.aggregatedError().contains("injected delete failure"), result.aggregatedError());
        assertEquals(SandboxState.DELETING, stateOf(fleet.update(), id));
        provider.healDeletesOf(id);
        assertEquals(List.of(id), fleet.decrease(List.of(id)).removed());
        assertTrue(fleet.update().isEmpty());
    }

    @Test
    void anInstanceThatVanishesIsReportedDeletedOnceThenForgotten() {
        Fleet fleet = fleet(FleetSettings.of(5));
        String id = fleet.increase(1).created().get(0);
        fleet.update();
        provider.delete(id); // someone else removed it
        assertEquals(SandboxState.DELETED, stateOf(fleet.update(), id));
        assertTrue(fleet.update().isEmpty());
        assertEquals(0, fleet.activeCount());
    }

    @Test
    void startupSweepDeletesOlderGenerationsOnly() {
        Sandbox older = sandbox("gitlab-runner-20261121-090000-20261121-091500-aaaaaa");
        Sandbox foreignNaming = sandbox("someone-elses-vm");
        Sandbox otherPrefix = sandbox("other-20261121-090000-20261121-091500-bbbbbb");
        provider.seed(older);
        provider.seed(foreignNaming);
        provider.seed(otherPrefix);
        Fleet fleet = fleet(FleetSettings.of(5));
        SweepReport report = fleet.start();
        assertEquals(List.of(older.id()), report.deleted());
        assertEquals(Set.of(foreignNaming.id(), otherPrefix.id()), provider.ids(), "what does not follow our naming is left alone");
        assertTrue(fleet.update().isEmpty());
    }

    @Test
    void startupSweepRemovesOrphanedLeftoversUnlessItAdopts() {
        provider.seedOrphan("gitlab-runner-20261121-090000-20261121-091500-cccccc");
        SweepReport adopting = fleet(new FleetSettings("gitlab-runner", 5, 2, SweepPolicy.ADOPT)).start();
        assertEquals(List.of(), adopting.orphans(), "adopt means: touch nothing an earlier process made");
        assertEquals(1, provider.orphans().size());

        SweepReport report = fleet(FleetSettings.of(5)).start();
        assertEquals(List.of("gitlab-runner-20261121-090000-20261121-091500-cccccc"), report.orphans());
        assertEquals(Set.of(), provider.orphans(), "what a killed process half-made is gone");
    }

    @Test
    void startupSweepCanAdoptInstead() {
        Sandbox older = sandbox("gitlab-runner-20261121-090000-20261121-091500-aaaaaa");
        provider.seed(older);
        Fleet fleet = fleet(new FleetSettings("gitlab-runner", 5, 2, SweepPolicy.ADOPT));
        SweepReport report = fleet.start();
        assertEquals(List.of(older.id()), report.adopted());
        assertEquals(List.of(older.id()), fleet.update().stream().map(FleetInstance::id).toList());
        assertEquals(4, fleet.increase(10).succeeded(), "adopted instances count against max_size");
    }

    @Test
    void aRestartedFleetFindsTheGroupFromTheBackend() {
        Fleet first = fleet(new FleetSettings("gitlab-runner", 5, 2, SweepPolicy.ADOPT));
        List<String> ids = first.increase(2).created();
        first.close();
        // A new process, a later boot generation, same backend and group.
        Clock later = Clock.fixed(NOW.plusSeconds(3600), ZoneOffset.UTC);
        var second = new Fleet(new InMemorySandboxProvider(worldOf(provider), "group-a", later, SandboxState.RUNNING),
                new FleetSettings("gitlab-runner", 5, 2, SweepPolicy.ADOPT), SPECS, probe, later);
        fleets.add(second);
        second.start();
        assertEquals(Set.copyOf(ids), second.update().stream().map(FleetInstance::id).collect(Collectors.toSet()));
    }

    @Test
    void anotherGroupsInstancesAreInvisible() {
        var world = worldOf(provider);
        var otherGroup = new InMemorySandboxProvider(world, "group-b", clock, SandboxState.RUNNING);
        otherGroup.seed(sandbox("gitlab-runner-20261121-090000-20261121-091500-cccccc"));
        Fleet fleet = fleet(FleetSettings.of(5));
        assertTrue(fleet.start().deleted().isEmpty());
        assertTrue(fleet.update().isEmpty());
        assertEquals(1, otherGroup.list().size());
    }

    @Test
    void concurrentIncreaseAndDecreaseNeverDuplicateNamesOrExceedMaxSize() throws Exception {
        Fleet fleet = fleet(new FleetSettings("gitlab-runner", 25, 4, SweepPolicy.DELETE));
        var pool = Executors.newFixedThreadPool(8);
        List<String> everCreated = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> work = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            final int worker = t;
            work.add(CompletableFuture.runAsync(() -> {
                for (int round = 0; round < 15; round++) {
                    List<String> made = fleet.increase(3).created();
                    everCreated.addAll(made);
                    assertTrue(fleet.activeCount() <= 25, "max_size holds");
                    if ((round + worker) % 2 == 0) {
                        fleet.decrease(made);
                    }
                    fleet.update();
                }
            }, pool));
        }
        CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        pool.shutdown();
        List<String> calls = provider.createCalls();
        assertEquals(calls.size(), new HashSet<>(calls).size(), "no name was ever created twice");
        assertEquals(everCreated.size(), new HashSet<>(everCreated).size());
        assertTrue(provider.ids().size() <= 25);
        Map<String, Long> macs = provider.ids().stream()
                .collect(Collectors.groupingBy(id -> InstanceName.macAddressOf(id).orElseThrow(), Collectors.counting()));
        assertTrue(macs.values().stream().allMatch(n -> n == 1), "MAC addresses are unique");
        assertEquals(provider.ids(), fleet.update().stream().map(FleetInstance::id).collect(Collectors.toSet()));
    }

    private static InMemorySandboxProvider.World worldOf(InMemorySandboxProvider p) {
        try {
            var field = InMemorySandboxProvider.class.getDeclaredField("world");
            field.setAccessible(true);
            return (InMemorySandboxProvider.World) field.get(p);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Sandbox sandbox(String id) {
        return new Sandbox(id, SandboxState.RUNNING, "10.1.1.1", null, NOW.minusSeconds(86400), null, Map.of(), null);
    }

    private static SandboxState stateOf(List<FleetInstance> instances, String id) {
        Function<FleetInstance, String> key = FleetInstance::id;
        return instances.stream().filter(i -> key.apply(i).equals(id)).findFirst().orElseThrow(() -> new AssertionError(id + " not reported"))
                .state();
    }
}
