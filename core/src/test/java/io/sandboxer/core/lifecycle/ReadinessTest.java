package io.sandboxer.core.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.fleet.ReadinessProbe;
import io.sandboxer.core.model.Architecture;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.ConnectProtocol;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshOptions;
import io.sandboxer.core.testing.InMemorySandboxProvider;
import io.sandboxer.core.testing.Keys;
import io.sandboxer.core.testing.ManualClock;
import io.sandboxer.core.testing.TestSshServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadinessTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private final InMemorySandboxProvider provider = new InMemorySandboxProvider();

    /** A strategy that is not ready for {@code misses} attempts, then is. */
    private static final class Scripted implements WaitStrategy {
        private final String what;
        private final int misses;
        final AtomicInteger attempts = new AtomicInteger();

        Scripted(String what, int misses) {
            this.what = what;
            this.misses = misses;
        }

        @Override
        public String describe(ConnectInfo known) {
            return what;
        }

        @Override
        public ConnectInfo check(SandboxProvider p, String id, ConnectInfo known) {
            if (attempts.incrementAndGet() <= misses) {
                throw new NotReadyException(what + " not yet (" + attempts.get() + ")", null);
            }
            return known != null ? known : p.connectInfo(id);
        }
    }

    /** Moves on by {@code step} every time it is read: a wait runs out in a few attempts, without sleeping for it. */
    private record Said(List<String> steps, List<String> waits) implements ProgressListener {
        Said() {
            this(new ArrayList<>(), new ArrayList<>());
        }

        @Override
        public void step(String message) {
            steps.add(message);
        }

        @Override
        public void waiting(String what, Duration elapsed) {
            waits.add(what);
        }
    }

    private static final Backoff FAST = new Backoff(Duration.ofMillis(1), Duration.ofMillis(2), 2);

    @Test
    void strategiesAreMetInOrderAndEveryWaitReportsWhatItWaitsFor() {
        provider.create(SandboxSpec.builder("one").build());
        Scripted address = new Scripted("an IP address", 2);
        Scripted login = new Scripted("an SSH login", 1);
        Said said = new Said();
        ConnectInfo info = new Readiness(List.of(address, login), FAST).await(provider, "one", Deadline.after(Duration.ofMinutes(1), Clock.systemUTC()), said);
        assertEquals("one", info.id());
        assertEquals(3, address.attempts.get());
        assertEquals(2, login.attempts.get(), "the login is tried only once the address is there");
        assertTrue(said.waits().get(0).startsWith("an IP address (an IP address not yet (1))"), said.waits().toString());
        assertTrue(said.waits().stream().anyMatch(w -> w.startsWith("an SSH login")), said.waits().toString());
    }

    @Test
    void theDeadlineEndsTheWaitNamingWhatWasAwaitedAndTheLastReason() {
        provider.create(SandboxSpec.builder("slow").build());
        Deadline deadline = Deadline.after(Duration.ofSeconds(30), ManualClock.stepping(NOW, Duration.ofSeconds(4)));
        SandboxException e = assertThrows(SandboxException.class,
                () -> new Readiness(List.of(new Scripted("an IP address", Integer.MAX_VALUE)), FAST).await(provider, "slow", deadline, ProgressListener.SILENT));
        assertTrue(e.isRetryable());
        assertTrue(e.getMessage().contains("slow was not ready within 30 s: waited for an IP address"), e.getMessage());
        assertTrue(e.getMessage().contains("last: an IP address not yet"), e.getMessage());
    }

    @Test
    void aSandboxThatWillNeverBeReadyEndsTheWaitAtTheFirstAttempt() {
        AtomicInteger attempts = new AtomicInteger();
        WaitStrategy broken = WaitStrategy.named("anything", (p, id, known) -> {
            attempts.incrementAndGet();
            throw new SandboxException(id + " failed: the guest crashed", false);
        });
        SandboxException e = assertThrows(SandboxException.class, () -> new Readiness(List.of(broken), FAST)
                .await(provider, "x", Deadline.after(Duration.ofHours(1), Clock.systemUTC()), ProgressListener.SILENT));
        assertFalse(e.isRetryable());
        assertEquals(1, attempts.get());
    }

    @Test
    void addressAssignedFailsFastForAFailedSandboxAndWaitsForOneThatBoots() {
        provider.seed(new Sandbox("down", SandboxState.FAILED, null, null, NOW, null, Map.of(), "domain is shutoff"));
        SandboxException failed = assertThrows(SandboxException.class,
                () -> new AddressAssigned().check(new NoAddressYet(provider), "down", null));
        assertTrue(failed.getMessage().contains("failed while waiting for its address: domain is shutoff"), failed.getMessage());
        provider.seed(new Sandbox("booting", SandboxState.CREATING, null, null, NOW, null, Map.of(), null));
        assertThrows(NotReadyException.class, () -> new AddressAssigned().check(new NoAddressYet(provider), "booting", null));
    }

    /** A backend that knows no address yet (a retryable connectInfo), as libvirt before the DHCP lease. */
    private record NoAddressYet(InMemorySandboxProvider inner) implements SandboxProvider {
        @Override
        public Sandbox create(SandboxSpec spec) {
            return inner.create(spec);
        }

        @Override
        public Optional<Sandbox> get(String id) {
            return inner.get(id);
        }

        @Override
        public List<Sandbox> list() {
            return inner.list();
        }

        @Override
        public boolean delete(String id) {
            return inner.delete(id);
        }

        @Override
        public ConnectInfo connectInfo(String id) {
            throw new SandboxException(id + " has no IP address yet", true);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void anSshLoginCountsOnlyWhenItAuthenticatesAndRunsTheCommand(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("sftp"));
        SshPrivateKey key = Keys.load("openssh_ed25519");
        try (TestSshServer server = TestSshServer.start("runner", "pw", dir.resolve("sftp"), dir.resolve("hostkey"))) {
            server.authorize(key.keyPair().getPublic());
            SshLogin login = new SshLogin(SshOptions.DEFAULT.withConnectTimeout(Duration.ofSeconds(2)), HostKeyPolicy.insecure("test"));
            ConnectInfo good = info(server.port(), new Credential.PrivateKey(key));
            assertSame(good, login.check(null, "vm", good));
            ConnectInfo wrongUser = new ConnectInfo("vm", OsFamily.LINUX, Architecture.AMD64, ConnectProtocol.SSH, "127.0.0.1", "127.0.0.1",
                    server.port(), "nobody", new Credential.PrivateKey(key), null);
            assertThrows(NotReadyException.class, () -> login.check(null, "vm", wrongUser), "an open port that refuses the login is not ready");
            assertTrue(ReadinessProbeView.ready(login, good));
        }
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        SshLogin login = new SshLogin(SshOptions.DEFAULT.withConnectTimeout(Duration.ofSeconds(2)), HostKeyPolicy.insecure("test"));
        assertThrows(NotReadyException.class, () -> login.check(null, "vm", info(closed, new Credential.PrivateKey(key))));
    }

    /** The Fleet's one-shot use of a strategy, through its public face. */
    private static final class ReadinessProbeView {
        static boolean ready(WaitStrategy strategy, ConnectInfo info) {
            return ReadinessProbe.of(strategy).isReady(info);
        }
    }

    private static ConnectInfo info(int port, Credential credential) {
        return new ConnectInfo("vm", OsFamily.LINUX, Architecture.AMD64, ConnectProtocol.SSH, "127.0.0.1", "127.0.0.1", port, "runner", credential, null);
    }

    @Test
    void prepareDeletesALeftoverOfTheSameNameCreatesAndWaits() {
        provider.seed(new Sandbox("job-1", SandboxState.RUNNING, "10.0.0.9", null, NOW, null, Map.of(), null));
        Said said = new Said();
        Scripted ready = new Scripted("ready", 1);
        ReadySandbox result = new SandboxLifecycle(provider, new Readiness(List.of(ready), FAST))
                .prepare(SandboxSpec.builder("job-1").build(), Deadline.after(Duration.ofMinutes(1), Clock.systemUTC()), said);
        assertEquals(List.of("job-1"), provider.deleteCalls());
        assertEquals(List.of("job-1"), provider.createCalls());
        assertEquals("job-1", result.connectInfo().id());
        assertTrue(said.steps().get(0).contains("left from an earlier attempt"), said.steps().toString());
        assertTrue(new SandboxLifecycle(provider, new Readiness(List.of(ready), FAST)).release("job-1"));
        assertFalse(new SandboxLifecycle(provider, new Readiness(List.of(ready), FAST)).release("job-1"), "release is idempotent");
    }

    @Test
    void theGarbageCollectorDeletesExpiredSandboxesAndAsksTheBackendForOrphans() {
        provider.seed(new Sandbox("old", SandboxState.RUNNING, null, null, NOW.minus(Duration.ofHours(5)), NOW.minus(Duration.ofHours(1)), Map.of(), null));
        provider.seed(new Sandbox("young", SandboxState.RUNNING, null, null, NOW, NOW.plus(Duration.ofHours(1)), Map.of(), null));
        provider.seed(new Sandbox("ageless", SandboxState.RUNNING, null, null, NOW.minus(Duration.ofDays(2)), null, Map.of(), null));
        provider.seedOrphan("half-made");
        GarbageCollector gc = new GarbageCollector(provider, Clock.fixed(NOW, ZoneOffset.UTC));
        var dry = gc.collect(Duration.ofDays(1), true);
        assertEquals(List.of("old", "ageless"), dry.expiredSandboxes().stream().sorted(Comparator.reverseOrder()).toList());
        assertEquals(List.of("half-made"), dry.orphans());
        assertEquals(3, provider.ids().size(), "a dry run deletes nothing");
        var real = gc.collect(null, false);
        assertEquals(List.of("old"), real.expiredSandboxes(), "without a max age only expiries count");
        assertEquals(Set.of("young", "ageless"), provider.ids());
        assertEquals(Set.of(), provider.orphans());
    }
}
