package io.sandboxer.it.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sandboxer.core.lifecycle.Deadline;
import io.sandboxer.core.lifecycle.GarbageCollector;
import io.sandboxer.core.lifecycle.ProgressListener;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.lifecycle.ReadySandbox;
import io.sandboxer.core.lifecycle.SandboxLifecycle;
import io.sandboxer.core.model.ImageRef;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.backend.kubevirt.KubevirtProvider;
import io.sandboxer.backend.kubevirt.KubevirtSettings;
import io.sandboxer.core.provider.GarbageQuery;
import io.sandboxer.core.provider.GarbageReport;
import io.sandboxer.core.provider.OrphanCollector;
import io.sandboxer.core.provider.LabelChange;
import io.sandboxer.core.provider.Relabeling;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviders;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshOptions;
import io.sandboxer.core.ssh.SshSession;
import io.sandboxer.core.ssh.SshTarget;
import io.sandboxer.core.testing.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The KubeVirt backend against a real kube-apiserver (RBAC on, the VMI CRD's structural schema enforced, a real garbage
 * collector) with exactly the documented Role: a whole sandbox lifecycle on a real guest booted by the virt-handler
 * stand-in, reached by its IP; what the API server kept of what was sent; the Secret following its VMI; and, for each verb
 * of the Role, that taking it away makes the backend fail with a message that names it (so the Role is not larger than
 * needed and a too small one is easy to mend).
 */
class KubevirtLeastPrivilegeIT {
    private static final String NAMESPACE = "sbx-it-rbac";
    private static final Duration BOOT_LIMIT = Duration.ofMinutes(12);
    @RegisterExtension
    static final KubevirtCluster cluster = new KubevirtCluster(NAMESPACE);

    private static SandboxProvider provider(String group) {
        return SandboxProviders.create("kubevirt", cluster.settings(group), "plugin_config");
    }

    /** The backend as {@link #provider} makes it, but reading the time from {@code clock} (gc hours later, now). */
    private static SandboxProvider providerAt(String group, Clock clock) throws java.io.IOException {
        var bound = SandboxProviders.bind("kubevirt", cluster.settings(group), "plugin_config");
        return new KubevirtProvider((KubevirtSettings) bound.backend(), bound.group(),
                ControlPlane.client(Files.readString(cluster.serviceAccountKubeconfig())), clock, true);
    }

    @Test
    void theDocumentedRoleRunsAWholeLifecycleOnARealGuest() throws Exception {
        String name = "sbx-it-rbac-life-1";
        try (SandboxProvider provider = provider("sbx-it-rbac-life")) {
            SandboxLifecycle lifecycle = new SandboxLifecycle(provider, Readiness.forJobs(SshOptions.DEFAULT,
                    HostKeyPolicy.insecure("never used: the backend pins the host key it generated")));
            List<String> progress = new ArrayList<>();
            ReadySandbox ready;
            try {
                ready = lifecycle.prepare(SandboxSpec.builder(name).build(), Deadline.after(BOOT_LIMIT, Clock.systemUTC()),
                        ProgressListener.lines(line -> {
                            progress.add(line);
                            System.out.println(line);
                        }));
            } catch (RuntimeException e) {
                throw new AssertionError("prepare failed; stand-in:\n" + cluster.standInLog(), e);
            }
            assertTrue(ready.connectInfo().externalAddress().startsWith("10.231.77."), "reached by the guest's IP (access: pod-ip): " + ready.connectInfo());
            try (SshSession ssh = SshSession.connect(SshTarget.of(ready.connectInfo(), HostKeyPolicy.insecure("unused")), SshOptions.DEFAULT)) {
                assertEquals(name, ssh.execForText("hostname").strip(), "cloud-init from the Secret named the guest");
                assertEquals("runner", ssh.execForText("id -un").strip());
            }

            JsonNode stored = new ObjectMapper().valueToTree(cluster.plane().admin()
                    .genericKubernetesResources("kubevirt.io/v1", "VirtualMachineInstance").inNamespace(NAMESPACE).withName(name).get());
            JsonNode spec = stored.path("spec");
            assertEquals(KubevirtCluster.IMAGE, spec.path("volumes").findValue("containerDisk").path("image").asText(), stored.toString());
            assertEquals(KubevirtCluster.secretOf(name), spec.path("volumes").findValue("cloudInitNoCloud").path("secretRef").path("name").asText(),
                    "the structural schema kept the secretRef (a pruned field would leave a guest without bootstrap)");
            assertEquals(22, spec.path("readinessProbe").path("tcpSocket").path("port").asInt(), stored.toString());
            assertEquals("1Gi", spec.path("domain").path("resources").path("requests").path("memory").asText(), stored.toString());
            assertEquals("sbx-it-rbac-life", stored.path("metadata").path("labels").path("sandboxer.io/group").asText());
            assertTrue(stored.path("metadata").path("annotations").has("sandboxer.io/expires-at"), stored.toString());
            assertFalse(stored.toString().contains("PRIVATE KEY") || stored.toString().contains("password"), "no secret in the VMI");

            Secret secret = cluster.plane().admin().secrets().inNamespace(NAMESPACE).withName(KubevirtCluster.secretOf(name)).get();
            assertEquals(stored.path("metadata").path("uid").asText(), secret.getMetadata().getOwnerReferences().get(0).getUid(),
                    "the Secret is owned by its VMI");

            assertTrue(lifecycle.release(name), "deleted");
            cluster.awaitNothingLeft(name, Duration.ofMinutes(2));
            assertFalse(lifecycle.release(name), "a second delete finds nothing and fails not");
        }
    }

    @Test
    void aSecretFollowsItsVmiAndGcCollectsExpiredAndOrphanedOnes() throws Exception {
        String group = "sbx-it-rbac-gc";
        String unpullable = "registry.example/sandboxer/absent:1"; // no guest boots: the stand-in reports ErrImagePull
        try (SandboxProvider provider = provider(group)) {
            provider.create(SandboxSpec.builder(group + "-owned").image(new ImageRef.ContainerDisk(unpullable)).build());
            provider.create(SandboxSpec.builder(group + "-orphan").image(new ImageRef.ContainerDisk(unpullable)).build());
            provider.create(SandboxSpec.builder(group + "-expired").image(new ImageRef.ContainerDisk(unpullable)).build());
            Poll.until("the stand-in to report the pull failure", Duration.ofMinutes(1),
                    () -> provider.get(group + "-owned").map(s -> s.detail() != null && s.detail().contains("ErrImagePull")).orElse(false));

            // Someone deletes a VMI with kubectl: Kubernetes' garbage collector removes its Secret through the ownerReference.
            cluster.plane().admin().genericKubernetesResources("kubevirt.io/v1", "VirtualMachineInstance").inNamespace(NAMESPACE)
                    .withName(group + "-owned").delete();
            cluster.awaitNothingLeft(group + "-owned", Duration.ofMinutes(1));

            // kubectl delete --cascade=orphan: the Secret stays, without an owner, for sandboxer's gc.
            cluster.plane().admin().genericKubernetesResources("kubevirt.io/v1", "VirtualMachineInstance").inNamespace(NAMESPACE)
                    .withName(group + "-orphan").withPropagationPolicy(DeletionPropagation.ORPHAN).delete();
            Poll.until("the VMI to go and its Secret to lose its owner", Duration.ofMinutes(1),
                    () -> cluster.vmis().stream().noneMatch(v -> v.getMetadata().getName().equals(group + "-orphan"))
                            && Optional.ofNullable(cluster.plane().admin().secrets().inNamespace(NAMESPACE)
                                    .withName(KubevirtCluster.secretOf(group + "-orphan")).get())
                                    .map(s -> s.getMetadata().getOwnerReferences().isEmpty()).orElseThrow());

            // gc as the ServiceAccount, with the clock 4 h on: the 3 h TTL is over, the orphan older than its grace.
            Clock later = Clock.offset(Clock.systemUTC(), Duration.ofHours(4));
            try (SandboxProvider provider4h = providerAt(group, later)) {
                GarbageReport dry = new GarbageCollector(provider4h, later).collect(new GarbageQuery(null, true, Set.of(group), Duration.ofMinutes(2)));
                assertEquals(List.of(group + "-expired"), dry.expiredSandboxes(), dry.toString());
                assertEquals(List.of(KubevirtCluster.secretOf(group + "-orphan")), dry.orphans(), dry.toString());
                assertEquals(2, cluster.secrets().stream().filter(s -> s.getMetadata().getName().contains(group)).count(), "a dry run deletes nothing");

                GarbageReport real = new GarbageCollector(provider4h, later).collect(new GarbageQuery(null, false, Set.of(group), Duration.ofMinutes(2)));
                assertEquals(Map.of(), real.failures(), real.toString());
            }
            cluster.awaitNothingLeft(group, Duration.ofMinutes(1));
        }
    }

    /** One verb of the documented Role, and what the backend does that needs it. */
    record Needed(String group, String resource, String verb, Consumer<SandboxProvider> action) {
    }

    @Test
    void eachVerbOfTheRoleIsNeededAndItsAbsenceIsNamed() throws Exception {
        String group = "sbx-it-rbac-verbs";
        String unpullable = "registry.example/sandboxer/absent:1";
        KubernetesClient asServiceAccount = ControlPlane.client(Files.readString(cluster.serviceAccountKubeconfig()));
        List<PolicyRule> documented = cluster.plane().role(NAMESPACE).getRules();
        SandboxSpec fresh = SandboxSpec.builder(group + "-new").image(new ImageRef.ContainerDisk(unpullable)).build();
        try (SandboxProvider provider = provider(group)) {
            provider.create(SandboxSpec.builder(group + "-a").image(new ImageRef.ContainerDisk(unpullable)).build());
            provider.create(SandboxSpec.builder(group + "-b").image(new ImageRef.ContainerDisk(unpullable)).build());
            provider.create(SandboxSpec.builder(group + "-c").image(new ImageRef.ContainerDisk(unpullable)).build());
            List<Needed> needs = List.of(
                    new Needed("kubevirt.io", "virtualmachineinstances", "list", p -> provider(group).close()), // the start-up health check
                    new Needed("", "secrets", "create", p -> p.create(fresh)),
                    new Needed("kubevirt.io", "virtualmachineinstances", "create", p -> p.create(fresh)),
                    new Needed("", "secrets", "patch", p -> p.create(fresh)),
                    new Needed("kubevirt.io", "virtualmachineinstances", "get", p -> p.get(group + "-a")),
                    new Needed("kubevirt.io", "virtualmachineinstances", "patch",
                            p -> ((Relabeling) p).relabel(group + "-a", LabelChange.put(Map.of("sandboxer.io/pool-ready", "true")))),
                    new Needed("", "secrets", "list", p -> ((OrphanCollector) p).collectOrphans(GarbageQuery.of(Duration.ofHours(1), true))),
                    new Needed("kubevirt.io", "virtualmachineinstances", "delete", p -> p.delete(group + "-a")),
                    new Needed("", "secrets", "get", p -> p.delete(group + "-b")),
                    new Needed("", "secrets", "delete", p -> p.delete(group + "-c")));
            for (Needed need : needs) {
                List<PolicyRule> without = documented.stream().map(rule -> withoutVerb(rule, need)).toList();
                cluster.plane().setRules(NAMESPACE, without, asServiceAccount, need.group(), need.resource(), need.verb(), false);
                try {
                    SandboxException e = assertThrows(SandboxException.class, () -> need.action().accept(provider), need.toString());
                    assertTrue(e.getMessage().contains("cannot " + need.verb() + " resource \"" + need.resource() + "\""), e.getMessage());
                    assertTrue(e.getMessage().contains("docs/kubevirt-rbac.yaml"), "the message says where the Role is: " + e.getMessage());
                    System.out.println("without " + need.verb() + " " + need.resource() + ": " + e.getMessage());
                } finally {
                    cluster.plane().setRules(NAMESPACE, documented, asServiceAccount, need.group(), need.resource(), need.verb(), true);
                }
                assertTrue(cluster.vmis().stream().noneMatch(v -> v.getMetadata().getName().equals(fresh.name()))
                        && cluster.secrets().stream().noneMatch(s -> s.getMetadata().getName().endsWith(fresh.name())),
                        "a create refused half-way rolled back what it made (" + need + ")");
            }
            // With the Role whole again, delete is idempotent and finishes what the refused deletes left.
            for (String id : List.of("-a", "-b", "-c")) {
                provider.delete(group + id);
            }
            cluster.awaitNothingLeft(group, Duration.ofMinutes(1));
        } finally {
            asServiceAccount.close();
        }
    }

    private static PolicyRule withoutVerb(PolicyRule rule, Needed need) {
        if (!rule.getApiGroups().contains(need.group()) || !rule.getResources().contains(need.resource())) {
            return rule;
        }
        return new PolicyRuleBuilder(rule).withVerbs(rule.getVerbs().stream().filter(v -> !v.equals(need.verb())).toList()).build();
    }
}
