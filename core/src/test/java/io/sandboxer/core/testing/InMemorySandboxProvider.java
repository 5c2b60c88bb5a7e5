package io.sandboxer.core.testing;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.model.Architecture;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.ConnectProtocol;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxAccess;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.GarbageQuery;
import io.sandboxer.core.provider.GarbageReport;
import io.sandboxer.core.provider.LabelChange;
import io.sandboxer.core.provider.OrphanCollector;
import io.sandboxer.core.provider.Relabeling;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxNotFoundException;
import io.sandboxer.core.provider.SandboxProvider;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A {@link SandboxProvider} that keeps sandboxes in memory, for tests of code above the SPI (Fleet,
 * adapters). It behaves like a real backend where it matters: it rejects a duplicate name, lists only its
 * own group, treats delete as idempotent. Faults are injected per call: fail creates whose name matches a
 * predicate, fail deletes of an id, hold creates on a latch to observe parallelism.
 *
 * <p>Several providers may share one {@link World} to model two processes talking to the same backend.
 */
public final class InMemorySandboxProvider implements SandboxProvider, OrphanCollector, Relabeling {

    /** The backend's state, shared by providers that "connect" to the same backend. */
    public static final class World {
        final Map<String, Sandbox> sandboxes = Collections.synchronizedMap(new LinkedHashMap<>());
        final Map<String, String> ownerGroup = new ConcurrentHashMap<>();
        final List<String> createCalls = Collections.synchronizedList(new ArrayList<>());
        final List<String> deleteCalls = Collections.synchronizedList(new ArrayList<>());
        final Map<String, SandboxAccess> access = new ConcurrentHashMap<>();
        /** Side resources (a volume, a bootstrap file) of sandboxes that never came to exist, by sandbox id. */
        final Set<String> orphans = ConcurrentHashMap.newKeySet();
    }

    private final World world;
    private final String group;
    private final Clock clock;
    private final SandboxState initialState;
    private final AtomicInteger concurrentCreates = new AtomicInteger();
    private final AtomicInteger maxConcurrentCreates = new AtomicInteger();
    private final Set<String> failingDeletes = ConcurrentHashMap.newKeySet();
    private volatile Predicate<String> failCreate = name -> false;
    private volatile CountDownLatch createGate;
    private volatile boolean listFails;
    private volatile boolean closed;

    public InMemorySandboxProvider(World world, String group, Clock clock, SandboxState initialState) {
        this.world = world;
        this.group = group;
        this.clock = clock;
        this.initialState = initialState;
    }

    public InMemorySandboxProvider() {
        this(new World(), "test-group", Clock.systemUTC(), SandboxState.RUNNING);
    }

    @Override
    public Sandbox create(SandboxSpec spec) {
        checkOpen();
        world.createCalls.add(spec.name());
        int now = concurrentCreates.incrementAndGet();
        maxConcurrentCreates.accumulateAndGet(now, Math::max);
        try {
            CountDownLatch gate = createGate;
            if (gate != null) {
                gate.await();
            }
            if (failCreate.test(spec.name())) {
                throw new SandboxException("injected create failure for " + spec.name(), true);
            }
            synchronized (world.sandboxes) {
                if (world.sandboxes.containsKey(spec.name())) {
                    throw new SandboxException("a sandbox named " + spec.name() + " already exists", false);
                }
                Instant created = clock.instant();
                // Loopback addresses: a test that probes them must never send traffic off this machine.
                Sandbox sandbox = new Sandbox(spec.name(), initialState, "127.0.0." + (world.sandboxes.size() + 2), null, created,
                        spec.ttl() == null ? null : created.plus(spec.ttl()), spec.labels(), null);
                world.sandboxes.put(spec.name(), sandbox);
                world.ownerGroup.put(spec.name(), group);
                if (spec.access() != null) {
                    world.access.put(spec.name(), spec.access()); // kept with the sandbox, as real backends do
                }
                return sandbox;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted", true, e);
        } finally {
            concurrentCreates.decrementAndGet();
        }
    }

    @Override
    public Optional<Sandbox> get(String id) {
        checkOpen();
        return Optional.ofNullable(world.sandboxes.get(id)).filter(s -> group.equals(world.ownerGroup.get(id)));
    }

    @Override
    public List<Sandbox> list() {
        checkOpen();
        if (listFails) {
            throw new SandboxException("injected list failure", true);
        }
        synchronized (world.sandboxes) {
            return world.sandboxes.values().stream().filter(s -> group.equals(world.ownerGroup.get(s.id()))).toList();
        }
    }

    @Override
    public boolean delete(String id) {
        checkOpen();
        world.deleteCalls.add(id);
        if (failingDeletes.contains(id)) {
            throw new SandboxException("injected delete failure for " + id, true);
        }
        synchronized (world.sandboxes) {
            if (!group.equals(world.ownerGroup.get(id))) {
                return false;
            }
            world.ownerGroup.remove(id);
            return world.sandboxes.remove(id) != null;
        }
    }

    @Override
    public ConnectInfo connectInfo(String id) {
        Sandbox sandbox = get(id).orElseThrow(() -> new SandboxNotFoundException(id));
        var access = world.access.get(id);
        if (access != null) {
            return new ConnectInfo(id, access.os(), Architecture.AMD64, access.protocol(), sandbox.internalAddress(), null, access.port(),
                    access.user(), access.credential(), null);
        }
        return new ConnectInfo(id, OsFamily.LINUX, Architecture.AMD64, ConnectProtocol.SSH, sandbox.internalAddress(), null, 22,
                "tester", new Credential.Password(Secret.of("test-password")), null);
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Atomic as a real backend's: the guard is checked and the labels set under the world's lock. */
    @Override
    public boolean relabel(String id, LabelChange change) {
        checkOpen();
        synchronized (world.sandboxes) {
            Sandbox s = world.sandboxes.get(id);
            if (s == null || !group.equals(world.ownerGroup.get(id))
                    || change.unlessLabelled() != null && s.labels().containsKey(change.unlessLabelled())) {
                return false;
            }
            Map<String, String> labels = new LinkedHashMap<>(s.labels());
            labels.putAll(change.put());
            Duration ttl = change.expiry().keeps() ? null : change.expiry().ttlFromNow(null);
            Instant expires = change.expiry().keeps() ? s.expiresAt() : ttl == null ? null : clock.instant().plus(ttl);
            world.sandboxes.put(id, new Sandbox(id, s.state(), s.internalAddress(), s.externalAddress(), s.createdAt(), expires, labels, s.detail()));
            return true;
        }
    }

    /** The orphaned side resources {@link #seedOrphan} made. */
    @Override
    public GarbageReport collectOrphans(GarbageQuery query) {
        List<String> orphans = new ArrayList<>(new TreeSet<>(world.orphans));
        boolean dryRun = query.dryRun();
        if (!dryRun) {
            world.orphans.removeAll(orphans);
        }
        return new GarbageReport(dryRun, List.of(), orphans, Map.of());
    }

    // ---- test controls ----

    /** Puts a sandbox straight into the backend, as if an earlier process had made it. */
    public void seed(Sandbox sandbox) {
        world.sandboxes.put(sandbox.id(), sandbox);
        world.ownerGroup.put(sandbox.id(), group);
    }

    /** Leaves a side resource without its sandbox, as a process killed half-way through a create does. */
    public void seedOrphan(String id) {
        world.orphans.add(id);
    }

    public Set<String> orphans() {
        return Set.copyOf(world.orphans);
    }

    public void setState(String id, SandboxState state) {
        world.sandboxes.computeIfPresent(id, (k, s) -> s.withState(state, null));
    }

    public void failCreatesWhere(Predicate<String> predicate) {
        this.failCreate = predicate;
    }

    public void failDeletesOf(String id) {
        failingDeletes.add(id);
    }

    public void healDeletesOf(String id) {
        failingDeletes.remove(id);
    }

    public void failLists(boolean fail) {
        this.listFails = fail;
    }

    /** Creates block on this latch until it is counted down. */
    public void holdCreatesOn(CountDownLatch gate) {
        this.createGate = gate;
    }

    public int concurrentCreates() {
        return concurrentCreates.get();
    }

    public int maxConcurrentCreates() {
        return maxConcurrentCreates.get();
    }

    public List<String> createCalls() {
        synchronized (world.createCalls) {
            return List.copyOf(world.createCalls);
        }
    }

    public List<String> deleteCalls() {
        synchronized (world.deleteCalls) {
            return List.copyOf(world.deleteCalls);
        }
    }

    public Set<String> ids() {
        synchronized (world.sandboxes) {
            return new HashSet<>(world.sandboxes.keySet());
        }
    }

    public boolean isClosed() {
        return closed;
    }

    private void checkOpen() {
        if (closed) {
            throw new SandboxException("provider is closed", false);
        }
    }
}
