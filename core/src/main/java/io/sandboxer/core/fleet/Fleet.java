package io.sandboxer.core.fleet;

import io.sandboxer.core.group.InstanceName;
import io.sandboxer.core.group.InstanceNamer;
import io.sandboxer.core.group.SweepPolicy;
import io.sandboxer.core.lifecycle.Backoff;
import io.sandboxer.core.lifecycle.GarbageCollector;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.lifecycle.SandboxLifecycle;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.SandboxProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group manager both adapters use. It names instances with this process's boot generation, keeps the
 * group within {@code max_size}, creates in bounded parallel batches with partial success, sweeps what older
 * generations left behind, merges the backend's view with its own (deleting, in-flight creates), and reports
 * an instance as {@code RUNNING} only once the {@link ReadinessProbe} answers.
 *
 * <p>Everything it needs after a restart is in the backend: names carry the generation, the provider lists
 * only the group's own sandboxes. The in-memory state is a cache of in-flight work, never the source of truth.
 */
public final class Fleet implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Fleet.class);
    private static final int MAX_PARALLEL_PROBES = 16;
    private static final int MAX_PARALLEL_DELETES = 8;
    /**
     * How often a booting instance's readiness is probed: soon after it runs, then less and less often, whatever the
     * runner's update interval. Probing every instance on every update cost 18 % of a core with 100 booting instances
     * (an SSH handshake each), for answers that could not have changed yet.
     */
    static final Backoff PROBE_BACKOFF = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(4), 2.0);

    private final SandboxProvider provider;
    private final FleetSettings settings;
    private final SpecFactory specs;
    private final ReadinessProbe probe;
    private final InstanceNamer namer;
    private final Clock clock;
    private final SandboxLifecycle lifecycle;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore createSlots;
    private final Semaphore probeSlots = new Semaphore(MAX_PARALLEL_PROBES);
    private final Semaphore deleteSlots = new Semaphore(MAX_PARALLEL_DELETES);
    /** What this process knows beyond the backend: creates in flight, deletes in progress, readiness. */
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    /**
     * Ids this process deleted that a backend listing may still show (the list was taken before the delete
     * finished). Without these, an update racing a decrease would bring a deleted instance back to life.
     */
    private final Map<String, Long> deletedHere = new ConcurrentHashMap<>();
    /** When each unready instance may be probed again, and the pause after that; dropped once it is ready or gone. */
    private final Map<String, ProbeSchedule> probeSchedules = new ConcurrentHashMap<>();
    /** Incremented around every delete and list, to tell which listings were taken after a delete finished. */
    private final AtomicLong sequence = new AtomicLong();
    private final Object capacityLock = new Object();
    private final Object updateLock = new Object();

    private enum Phase { CREATING, ACTIVE, DELETING }

    private record ProbeSchedule(Instant next, Duration pause) {
        ProbeSchedule afterFailure(Instant now) {
            return new ProbeSchedule(now.plus(pause), PROBE_BACKOFF.after(pause));
        }
    }

    private record Tracked(Phase phase, boolean ready) {
        Tracked markReady() {
            return new Tracked(phase, true);
        }
    }

    public Fleet(SandboxProvider provider, FleetSettings settings, SpecFactory specs, ReadinessProbe probe, Clock clock) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.specs = Objects.requireNonNull(specs, "specs");
        this.probe = Objects.requireNonNull(probe, "probe");
        this.namer = new InstanceNamer(settings.namePrefix(), clock.instant(), clock);
        this.clock = clock;
        this.lifecycle = new SandboxLifecycle(provider, Readiness.addressOnly()); // readiness: the probe, one attempt per update
        this.createSlots = new Semaphore(settings.maxParallelCreates());
    }

    public FleetSettings settings() {
        return settings;
    }

    public Instant bootGeneration() {
        return namer.bootGeneration();
    }

    /**
     * Looks at what the backend holds for this group: instances of older generations are deleted or adopted
     * according to the sweep policy; instances of this generation (impossible unless two processes share a
     * group) are adopted.
     */
    public SweepReport start() {
        List<Sandbox> existing = provider.list();
        List<String> toDelete = new ArrayList<>();
        List<String> adopted = new ArrayList<>();
        for (Sandbox sandbox : existing) {
            Optional<InstanceName> name = InstanceName.parse(sandbox.id(), settings.namePrefix());
            if (name.isEmpty()) {
                LOG.warn("sandbox {} belongs to the group but does not follow its naming; left alone", sandbox.id());
                continue;
            }
            boolean older = name.get().bootGeneration().isBefore(namer.bootGeneration());
            if (older && settings.sweepPolicy() == SweepPolicy.DELETE) {
                toDelete.add(sandbox.id());
            } else {
                tracked.put(sandbox.id(), new Tracked(Phase.ACTIVE, false));
                adopted.add(sandbox.id());
            }
        }
        DecreaseResult swept = deleteAll(toDelete);
        Map<String, String> failures = new LinkedHashMap<>(swept.failures());
        List<String> orphans = List.of();
        if (settings.sweepPolicy() == SweepPolicy.DELETE) {
            // A process killed half-way through a create leaves pieces no instance owns (an overlay before its
            // domain was defined, a bootstrap file); list() cannot see them, the backend's garbage collection can.
            var garbage = new GarbageCollector(provider, clock).collect(null, false);
            orphans = garbage.orphans();
            failures.putAll(garbage.failures());
        }
        if (!toDelete.isEmpty() || !adopted.isEmpty() || !orphans.isEmpty()) {
            LOG.info("start-up sweep: {} instance(s) of older generations deleted, {} adopted, {} orphaned leftover(s) removed, {} failed",
                    swept.removed().size(), adopted.size(), orphans.size(), failures.size());
        }
        return new SweepReport(swept.removed(), adopted, orphans, failures);
    }

    /**
     * Creates up to {@code count} instances, at most {@code max_parallel_creates} at a time and never beyond
     * {@code max_size}. Returns when every attempt has finished; failures do not undo successes.
     */
    public IncreaseResult increase(int count) {
        if (count < 1) {
            return new IncreaseResult(Math.max(count, 0), List.of(), List.of());
        }
        List<InstanceName> names = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        synchronized (capacityLock) {
            int free = settings.maxSize() - activeCount();
            int granted = Math.max(0, Math.min(count, free));
            if (granted < count) {
                errors.add("max_size " + settings.maxSize() + " reached: " + (count - granted) + " instance(s) refused");
            }
            Set<String> taken = new HashSet<>(tracked.keySet());
            for (int i = 0; i < granted; i++) {
                InstanceName name = namer.next(taken);
                taken.add(name.format());
                tracked.put(name.format(), new Tracked(Phase.CREATING, false));
                names.add(name);
            }
        }
        List<Future<String>> futures = new ArrayList<>();
        for (InstanceName name : names) {
            futures.add(workers.submit(() -> createOne(name)));
        }
        List<String> created = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            try {
                created.add(futures.get(i).get());
            } catch (ExecutionException e) {
                tracked.remove(names.get(i).format());
                String reason = e.getCause() == null ? e.toString() : String.valueOf(e.getCause().getMessage());
                errors.add(reason);
                LOG.warn("creating {} failed: {}", names.get(i), reason);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                errors.add("interrupted");
                break;
            }
        }
        return new IncreaseResult(count, created, errors);
    }

    private String createOne(InstanceName name) throws InterruptedException {
        createSlots.acquire();
        try {
            Sandbox sandbox = lifecycle.create(specs.specFor(name));
            tracked.computeIfPresent(name.format(), (id, t) -> new Tracked(Phase.ACTIVE, t.ready()));
            LOG.info("created {} ({})", sandbox.id(), sandbox.state());
            return sandbox.id();
        } finally {
            createSlots.release();
        }
    }

    /** Deletes the given instances in bounded parallel; ids that are already gone count as removed. */
    public DecreaseResult decrease(Collection<String> ids) {
        return deleteAll(List.copyOf(new LinkedHashSet<>(ids)));
    }

    private DecreaseResult deleteAll(List<String> ids) {
        Map<String, Future<Boolean>> futures = new LinkedHashMap<>();
        for (String id : ids) {
            deletedHere.put(id, Long.MAX_VALUE); // in flight: no listing may resurrect it
            tracked.computeIfPresent(id, (key, t) -> new Tracked(Phase.DELETING, t.ready()));
            futures.put(id, workers.submit(() -> deleteOne(id)));
        }
        List<String> removed = new ArrayList<>();
        Map<String, String> failures = new LinkedHashMap<>();
        futures.forEach((id, future) -> {
            try {
                future.get();
                deletedHere.put(id, sequence.incrementAndGet());
                tracked.remove(id);
                removed.add(id);
            } catch (ExecutionException e) {
                String reason = e.getCause() == null ? e.toString() : String.valueOf(e.getCause().getMessage());
                failures.put(id, reason);
                tracked.put(id, new Tracked(Phase.DELETING, false));
                deletedHere.remove(id);
                LOG.warn("deleting {} failed (will be reported as deleting and retried on decrease): {}", id, reason);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.put(id, "interrupted");
            }
        });
        return new DecreaseResult(removed, failures);
    }

    /** Starts deleting without waiting for it: an update must not take as long as a delete. */
    private void deleteInBackground(String id) {
        deletedHere.put(id, Long.MAX_VALUE);
        tracked.computeIfPresent(id, (key, t) -> new Tracked(Phase.DELETING, t.ready()));
        workers.submit(() -> deleteAll(List.of(id)));
    }

    private boolean deleteOne(String id) throws InterruptedException {
        deleteSlots.acquire();
        try {
            boolean deleted = lifecycle.release(id);
            LOG.info(deleted ? "deleted {}" : "{} was already gone", id);
            return deleted;
        } finally {
            deleteSlots.release();
        }
    }

    /**
     * Every instance of the group with its best-known state. Throws only when the backend cannot be listed;
     * a failing readiness probe or connect-info lookup for one instance leaves that instance as {@code CREATING}.
     */
    public List<FleetInstance> update() {
        // One update at a time: tombstones are only safe to drop when no older listing is still being merged.
        synchronized (updateLock) {
            return updateSerially();
        }
    }

    private List<FleetInstance> updateSerially() {
        // Judge "vanished" only against what was known before listing: a create finishing during the list
        // call must not look like an instance that disappeared.
        Map<String, Tracked> before = Map.copyOf(tracked);
        long listedAfter = sequence.incrementAndGet();
        List<Sandbox> listed = provider.list();
        Map<String, Sandbox> backend = new LinkedHashMap<>();
        List<FleetInstance> result = new ArrayList<>();
        for (Sandbox s : listed) {
            if (InstanceName.parse(s.id(), settings.namePrefix()).isEmpty()) {
                continue;
            }
            backend.put(s.id(), s);
        }
        // A tombstone can go once a listing taken after its delete finished no longer shows the id.
        deletedHere.entrySet().removeIf(e -> e.getValue() < listedAfter && !backend.containsKey(e.getKey()));
        for (Sandbox sandbox : List.copyOf(backend.values())) {
            if (tracked.containsKey(sandbox.id())) {
                continue;
            }
            if (deletedHere.containsKey(sandbox.id())) {
                backend.remove(sandbox.id()); // a listing older than our delete
                result.add(new FleetInstance(sandbox.id(), SandboxState.DELETED, sandbox, "deleted"));
            } else {
                tracked.putIfAbsent(sandbox.id(), new Tracked(Phase.ACTIVE, false)); // another process of this group made it: adopt
            }
        }
        probeUnready(backend.values());
        probeSchedules.keySet().retainAll(tracked.keySet()); // instances deleted or forgotten meanwhile
        for (Sandbox sandbox : backend.values()) {
            Tracked t = tracked.get(sandbox.id());
            if (t == null) {
                result.add(new FleetInstance(sandbox.id(), SandboxState.DELETED, sandbox, "deleted")); // removed meanwhile
            } else {
                result.add(new FleetInstance(sandbox.id(), reportedState(sandbox, t), sandbox, sandbox.detail()));
            }
        }
        // Known here but not (yet or any more) in the backend.
        for (Map.Entry<String, Tracked> entry : before.entrySet()) {
            String id = entry.getKey();
            if (backend.containsKey(id) || !tracked.containsKey(id)) {
                continue;
            }
            switch (entry.getValue().phase()) {
                case CREATING -> result.add(new FleetInstance(id, SandboxState.CREATING, null, "create in progress"));
                case DELETING -> {
                    result.add(new FleetInstance(id, SandboxState.DELETED, null, "deleted"));
                    tracked.remove(id, entry.getValue());
                }
                case ACTIVE -> {
                    result.add(new FleetInstance(id, SandboxState.DELETED, null, "no longer exists in the backend"));
                    tracked.remove(id, entry.getValue());
                }
            }
        }
        return result;
    }

    private SandboxState reportedState(Sandbox sandbox, Tracked t) {
        if (t.phase() == Phase.DELETING) {
            return SandboxState.DELETING;
        }
        if (sandbox.state() == SandboxState.FAILED && settings.deleteFailed()) {
            LOG.warn("instance {} failed ({}); deleting it", sandbox.id(), sandbox.detail());
            deleteInBackground(sandbox.id());
            return SandboxState.DELETING;
        }
        if (sandbox.state() == SandboxState.RUNNING) {
            return t.ready() ? SandboxState.RUNNING : SandboxState.CREATING;
        }
        return sandbox.state();
    }

    private void probeUnready(Collection<Sandbox> sandboxes) {
        List<Future<?>> probes = new ArrayList<>();
        for (Sandbox sandbox : sandboxes) {
            Tracked t = tracked.get(sandbox.id());
            boolean needsProbe = sandbox.state() == SandboxState.RUNNING && t != null && !t.ready() && t.phase() != Phase.DELETING;
            ProbeSchedule schedule = probeSchedules.get(sandbox.id());
            if (needsProbe && (schedule == null || !clock.instant().isBefore(schedule.next()))) {
                probes.add(workers.submit(() -> {
                    probeOne(sandbox.id());
                    return null;
                }));
            }
        }
        for (Future<?> f : probes) {
            try {
                f.get();
            } catch (ExecutionException e) {
                LOG.debug("readiness probe failed: {}", e.getCause().toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void probeOne(String id) throws InterruptedException {
        probeSlots.acquire();
        boolean ready = false;
        try {
            ConnectInfo info = provider.connectInfo(id);
            ready = probe.isReady(info);
            if (ready) {
                tracked.computeIfPresent(id, (key, t) -> t.markReady());
                LOG.info("{} is ready (SSH login works)", id);
            }
        } catch (RuntimeException e) {
            LOG.debug("{} not ready yet: {}", id, e.getMessage());
        } finally {
            probeSlots.release();
            if (ready || !tracked.containsKey(id)) {
                probeSchedules.remove(id);
            } else {
                Instant now = clock.instant();
                probeSchedules.compute(id, (key, s) -> (s == null ? new ProbeSchedule(now, PROBE_BACKOFF.initial()) : s).afterFailure(now));
            }
        }
    }

    /**
     * Why an instance is unhealthy, or empty when it is fine: gone from the backend, failed or deleted. Asks the backend
     * (cheaply, one lookup), never only this process's memory.
     */
    public Optional<String> healthProblem(String id) {
        Optional<Sandbox> sandbox = provider.get(id);
        if (sandbox.isEmpty()) {
            return Optional.of("instance " + id + " does not exist");
        }
        if (sandbox.get().state().isTerminal()) {
            return Optional.of("instance " + id + " is unhealthy: " + sandbox.get().detail());
        }
        return Optional.empty();
    }

    /** How to reach an instance (delegates to the backend, which knows addresses and credentials). */
    public ConnectInfo connectInfo(String id) {
        return provider.connectInfo(id);
    }

    /** Number of instances that count against {@code max_size}: in flight, active or still being deleted. */
    public int activeCount() {
        return tracked.size();
    }

    public <T> T withProvider(Function<SandboxProvider, T> action) {
        return action.apply(provider);
    }

    /** Stops the worker threads; sandboxes stay, and the provider is closed by whoever opened it. */
    @Override
    public void close() {
        workers.shutdownNow();
    }
}
