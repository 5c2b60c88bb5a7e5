package io.sandboxer.backend.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxAccess;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.provider.LabelChange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Relabelling (the warm pool's claim) on libvirt's test driver: the metadata libvirt keeps, and one winner per guard. */
class LibvirtRelabelTest {
    private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");
    private static final String GUARD = "sandboxer.io/claimed-by";
    @TempDir
    Path dir;
    private final List<LibvirtProvider> opened = new ArrayList<>();

    private LibvirtProvider open(TestDriver.Config config) {
        LibvirtProvider provider = new LibvirtProvider(config.settings(), config.group(), new LibvirtConnection(config.settings().uri()),
                Clock.fixed(NOW, ZoneOffset.UTC));
        opened.add(provider);
        return provider;
    }

    @AfterEach
    void close() {
        opened.forEach(LibvirtProvider::close);
    }

    private static SandboxSpec member(String name) {
        return SandboxSpec.builder(name).labels(Map.of("sandboxer.io/pool", "0123456789abcdef")).ttl(Duration.ofHours(5))
                .access(SandboxAccess.ssh("runner", new Credential.Password(Secret.of("pw")))).build();
    }

    @Test
    void labelsAndExpiryChangeInTheDomainsMetadataAndTheGuardIsHonoured() {
        LibvirtProvider provider = open(TestDriver.config(dir));
        provider.create(member("sandboxer-pabc"));

        assertTrue(provider.relabel("sandboxer-pabc", LabelChange.put(Map.of("sandboxer.io/pool-ready", "true"))));
        assertTrue(provider.relabel("sandboxer-pabc", new LabelChange(Map.of(GUARD, "sandboxer-j1-abc", "sandboxer.io/job-id", "1"), GUARD,
                LabelChange.Expiry.after(Duration.ofMinutes(30)))));
        assertFalse(provider.relabel("sandboxer-pabc", new LabelChange(Map.of(GUARD, "sandboxer-j2-abc"), GUARD, LabelChange.Expiry.after(Duration.ofMinutes(30)))),
                "a second claim loses");

        Sandbox now = provider.get("sandboxer-pabc").orElseThrow();
        assertEquals(Map.of("sandboxer.io/pool", "0123456789abcdef", "sandboxer.io/pool-ready", "true", GUARD, "sandboxer-j1-abc",
                "sandboxer.io/job-id", "1"), now.labels());
        assertEquals(NOW.plus(Duration.ofMinutes(30)), now.expiresAt());
        assertEquals(now.labels(), provider.list().get(0).labels(), "the listing reads the same metadata");
        assertFalse(provider.relabel("sandboxer-gone", LabelChange.put(Map.of("a", "b"))), "a sandbox that does not exist");
    }

    @Test
    void withoutATtlTheClaimRestartsTheAgeGcMeasures() {
        LibvirtProvider provider = open(TestDriver.config(dir));
        provider.create(member("sandboxer-pttl"));

        assertTrue(provider.relabel("sandboxer-pttl", new LabelChange(Map.of(GUARD, "sandboxer-j1-abc"), GUARD, LabelChange.Expiry.BACKEND_TTL)));

        Sandbox claimed = provider.get("sandboxer-pttl").orElseThrow();
        assertNull(claimed.expiresAt(), "the settings name no ttl");
        assertEquals(NOW, claimed.createdAt());
    }

    @Test
    void aSandboxWhoseCredentialsAreInAnotherStateDirectoryIsNotClaimedFromHere() throws Exception {
        LibvirtProvider filler = open(TestDriver.config(dir));
        filler.create(member("sandboxer-pother"));
        Path elsewhere = Files.createDirectories(dir.resolve("other-host"));
        TestDriver.Config other = TestDriver.config(dir, json -> json.put("state_dir", elsewhere.toString()));
        // The same libvirt (one connection: the test driver keeps a world per connection), another state directory.
        LibvirtProvider otherHost = new LibvirtProvider(other.settings(), other.group(), filler.connection(), Clock.fixed(NOW, ZoneOffset.UTC));

        assertFalse(otherHost.relabel("sandboxer-pother", new LabelChange(Map.of(GUARD, "sandboxer-j3-abc"), GUARD, null)));
        assertTrue(filler.relabel("sandboxer-pother", new LabelChange(Map.of(GUARD, "sandboxer-j3-abc"), GUARD, null)));
    }

    @Test
    void claimsRacingFromManyThreadsHaveExactlyOneWinner() throws Exception {
        LibvirtProvider provider = open(TestDriver.config(dir));
        provider.create(member("sandboxer-prace"));
        int claimants = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(claimants)) {
            for (int i = 0; i < claimants; i++) {
                String job = "sandboxer-j" + i + "-abc";
                results.add(threads.submit(() -> {
                    start.await();
                    return provider.relabel("sandboxer-prace", new LabelChange(Map.of(GUARD, job), GUARD, null));
                }));
            }
            start.countDown();
            long winners = 0;
            for (Future<Boolean> r : results) {
                winners += r.get() ? 1 : 0;
            }
            assertEquals(1, winners);
        }
        assertEquals(1, provider.list().stream().filter(s -> s.labels().containsKey(GUARD)).count());
        assertTrue(Files.exists(dir.resolve("state").resolve(ClaimLock.FILE)), "the claims' lock file is in state_dir");
    }
}
