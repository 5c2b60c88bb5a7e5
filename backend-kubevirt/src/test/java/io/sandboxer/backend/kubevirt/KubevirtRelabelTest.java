package io.sandboxer.backend.kubevirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.provider.LabelChange;
import io.sandboxer.core.settings.SettingsBinder;
import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstance;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The warm pool's claim on KubeVirt: a merge patch of the VMI's labels carrying the resourceVersion it was read at. fabric8's mock API server in
 * CRUD mode answers a stale resourceVersion with 409 as a real API server does, so racing claims show one winner.
 */
@EnableKubernetesMockClient(crud = true)
class KubevirtRelabelTest {
    private static final String NS = "ci";
    private static final String GUARD = "sandboxer.io/claimed-by";
    private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");
    KubernetesMockServer server;
    KubernetesClient client;
    private final List<KubevirtProvider> opened = new ArrayList<>();

    @BeforeEach
    void crd() {
        client.apiextensions().v1().customResourceDefinitions()
                .load(Path.of("src/main/crds/kubevirt.io_virtualmachineinstances.yaml").toFile()).create();
    }

    @AfterEach
    void close() {
        opened.forEach(KubevirtProvider::close);
    }

    /** A provider with a client of its own, as a separate prepare process (on any host) has. */
    private KubevirtProvider provider() {
        ObjectNode json = new ObjectMapper().createObjectNode().put("namespace", NS).put("image", "quay.io/containerdisks/debian:12")
                .put("access", "pod-ip").put("group", "runner-1").put("ttl", "2h");
        var both = new SettingsBinder().bindBoth(json, GroupSettings.class, KubevirtSettings.class, "plugin_config");
        KubernetesClient own = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withRequestRetryBackoffLimit(0).build()).build();
        KubevirtProvider provider = new KubevirtProvider(both.second(), both.first(), own, Clock.fixed(NOW, ZoneOffset.UTC), true);
        opened.add(provider);
        return provider;
    }

    @Test
    void aClaimSetsItsLabelsAndTheJobsExpiryOnlyWhenTheGuardIsAbsent() {
        KubevirtProvider provider = provider();
        provider.create(SandboxSpec.builder("sandboxer-pabc").labels(Map.of("sandboxer.io/pool", "0123456789abcdef")).build());

        assertTrue(provider.relabel("sandboxer-pabc", LabelChange.put(Map.of("sandboxer.io/pool-ready", "true"))));
        assertTrue(provider.relabel("sandboxer-pabc", new LabelChange(Map.of(GUARD, "sandboxer-j1-abc"), GUARD, LabelChange.Expiry.BACKEND_TTL)));
        assertFalse(provider.relabel("sandboxer-pabc", new LabelChange(Map.of(GUARD, "sandboxer-j2-abc"), GUARD, null)));
        assertFalse(provider.relabel("sandboxer-none", LabelChange.put(Map.of("a", "b"))));

        Sandbox claimed = provider.get("sandboxer-pabc").orElseThrow();
        assertEquals("sandboxer-j1-abc", claimed.labels().get(GUARD));
        assertEquals("true", claimed.labels().get("sandboxer.io/pool-ready"));
        assertEquals("runner-1", claimed.labels().get(KubevirtNames.GROUP_LABEL), "the group label stays");
        assertEquals(NOW.plus(Duration.ofHours(2)), claimed.expiresAt(), "the backend's ttl, from the claim");
    }

    @Test
    void aClaimThatLosesTheRaceBetweenItsReadAndItsWriteSeesTheConflictAndGivesWay() {
        KubevirtProvider slow = provider();
        KubevirtProvider fast = provider();
        slow.create(SandboxSpec.builder("sandboxer-prace").labels(Map.of("sandboxer.io/pool", "0123456789abcdef")).build());
        List<Boolean> fastWon = new ArrayList<>();
        // The rival reads and writes after this claim has read the VMI and before it writes: its resourceVersion is stale.
        slow.beforeRelabelWrite = () -> {
            slow.beforeRelabelWrite = () -> { };
            fastWon.add(fast.relabel("sandboxer-prace", new LabelChange(Map.of(GUARD, "sandboxer-j2-abc"), GUARD, null)));
        };

        boolean slowWon = slow.relabel("sandboxer-prace", new LabelChange(Map.of(GUARD, "sandboxer-j1-abc"), GUARD, null));

        assertEquals(List.of(true), fastWon);
        assertFalse(slowWon, "the stale write was refused (409) and the guard, read again, was taken");
        assertEquals("sandboxer-j2-abc", slow.get("sandboxer-prace").orElseThrow().labels().get(GUARD));
    }

    @Test
    void claimsRacingThroughSeparateClientsHaveExactlyOneWinner() throws Exception {
        provider().create(SandboxSpec.builder("sandboxer-prace").labels(Map.of("sandboxer.io/pool", "0123456789abcdef")).build());
        int claimants = 6;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(claimants)) {
            for (int i = 0; i < claimants; i++) {
                KubevirtProvider own = provider();
                String job = "sandboxer-j" + i + "-abc";
                results.add(threads.submit(() -> {
                    start.await();
                    return own.relabel("sandboxer-prace", new LabelChange(Map.of(GUARD, job), GUARD, null));
                }));
            }
            start.countDown();
            long winners = 0;
            for (Future<Boolean> r : results) {
                winners += r.get() ? 1 : 0;
            }
            assertEquals(1, winners);
        }
    }
}
