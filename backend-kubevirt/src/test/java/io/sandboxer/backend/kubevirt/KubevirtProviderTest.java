package io.sandboxer.backend.kubevirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstance;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.testing.BootstrapFixtures;
import io.sandboxer.core.lifecycle.Deadline;
import io.sandboxer.core.lifecycle.GarbageCollector;
import io.sandboxer.core.lifecycle.ProgressListener;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.ConnectProtocol;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.ImageRef;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.model.ResourceRequirement;
import io.sandboxer.core.model.Resources;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxAccess;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.GarbageReport;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.settings.SettingsBinder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class KubevirtProviderTest {
    static final String NS = "ci";
    KubernetesMockServer server;
    KubernetesClient client;
    private FakeVirtController controller;
    private KubevirtProvider provider;

    static KubevirtSettings settings(String json) {
        return new SettingsBinder().bind(json, KubevirtSettings.class, "plugin_config");
    }

    private KubevirtProvider provider(String extraJson, Clock clock) {
        try {
            var mapper = new ObjectMapper();
            var json = (ObjectNode) mapper.readTree("{\"namespace\": \"" + NS
                    + "\", \"image\": \"quay.io/containerdisks/debian:12\", \"access\": \"pod-ip\", \"group\": \"runner-1\"}");
            json.setAll((ObjectNode) mapper.readTree("{" + extraJson + "}"));
            var both = new SettingsBinder().bindBoth(json, GroupSettings.class, KubevirtSettings.class, "plugin_config");
            return new KubevirtProvider(both.second(), both.first(), client, clock, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeEach
    void start() {
        // The provider retries (bounded) itself; the client's own exponential retries would stack on top.
        client = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder(client.getConfiguration()).withRequestRetryBackoffLimit(0).build()).build();
        // The real KubeVirt CRD, registered in the mock as KubeVirt's operator registers it in a cluster.
        client.apiextensions().v1().customResourceDefinitions()
                .load(Path.of("src/main/crds/kubevirt.io_virtualmachineinstances.yaml").toFile()).create();
        controller = new FakeVirtController(client, NS);
        provider = provider("", Clock.systemUTC());
    }

    @AfterEach
    void stop() throws InterruptedException {
        controller.close();
        provider.close();
    }

    private VirtualMachineInstance vmi(String name) {
        return client.resources(VirtualMachineInstance.class).inNamespace(NS).withName(name).get();
    }

    private Secret secret(String name) {
        return client.secrets().inNamespace(NS).withName(KubevirtNames.secretName(name)).get();
    }

    @Test
    void createMakesASecretAndAVmiShapedAsKubevirtExpects() {
        SandboxSpec spec = SandboxSpec.builder("job-1").machineType("q35")
                .resources(new Resources(new ResourceRequirement(Quantity.parse("500m"), Quantity.parse("2")),
                        ResourceRequirement.of(Quantity.parse("2Gi")), new ResourceRequirement(Quantity.parse("10Gi"), null)))
                .labels(Map.of("project", "42")).build();
        Sandbox sandbox = provider.create(spec);
        assertEquals("job-1", sandbox.id());

        VirtualMachineInstance vmi = vmi("job-1");
        var s = vmi.getSpec();
        assertEquals("quay.io/containerdisks/debian:12", s.getVolumes().get(0).getContainerDisk().getImage());
        assertEquals("job-1-bootstrap", s.getVolumes().get(1).getCloudInitNoCloud().getSecretRef().getName());
        assertNotNull(s.getDomain().getDevices().getInterfaces().get(0).getMasquerade());
        assertNotNull(s.getNetworks().get(0).getPod());
        assertEquals(22, s.getReadinessProbe().getTcpSocket().getPort().getIntVal());
        assertEquals("None", s.getEvictionStrategy());
        assertEquals(0L, s.getTerminationGracePeriodSeconds());
        assertEquals("amd64", s.getArchitecture());
        assertEquals("amd64", s.getNodeSelector().get("kubernetes.io/arch"));
        assertEquals("q35", s.getDomain().getMachine().getType());
        assertEquals("500m", s.getDomain().getResources().getRequests().get("cpu").getStrVal());
        assertEquals("2", s.getDomain().getResources().getLimits().get("cpu").getStrVal());
        assertEquals("2Gi", s.getDomain().getResources().getRequests().get("memory").getStrVal());
        assertEquals("10Gi", s.getDomain().getResources().getRequests().get("ephemeral-storage").getStrVal());
        assertEquals("runner-1", vmi.getMetadata().getLabels().get("sandboxer.io/group"));
        assertEquals("job-1", vmi.getMetadata().getLabels().get("sandboxer.io/id"));
        assertEquals("42", vmi.getMetadata().getLabels().get("project"));
        long expires = Long.parseLong(vmi.getMetadata().getAnnotations().get("sandboxer.io/expires-at"));
        assertTrue(Math.abs(expires - Instant.now().plus(Duration.ofHours(3)).getEpochSecond()) < 60, "TTL 3h by default");

        Secret secret = secret("job-1");
        assertTrue(secret.getStringData() == null || secret.getStringData().isEmpty(), "data, not stringData");
        assertEquals("runner-1", secret.getMetadata().getLabels().get("sandboxer.io/group"));
        assertEquals("job-1", secret.getMetadata().getLabels().get("sandboxer.io/id"));
        String userData = text(secret.getData().get("userdata"));
        assertTrue(userData.startsWith("#cloud-config\n"), userData);
        assertEquals(32, text(secret.getData().get("password")).length());
        assertTrue(text(secret.getData().get("ssh-privatekey")).contains("OPENSSH PRIVATE KEY"));
        var owner = secret.getMetadata().getOwnerReferences().get(0);
        assertEquals("VirtualMachineInstance", owner.getKind());
        assertEquals(vmi.getMetadata().getUid(), owner.getUid());
        assertNull(owner.getBlockOwnerDeletion());
    }

    @Test
    void kubevirtGuestsGetTheGroupsCaCertificatesToo() {
        String ca = BootstrapFixtures.caPath("dir").toString();
        provider("\"ca_certificates_path\": \"" + ca + "\"", Clock.systemUTC()).create(SandboxSpec.builder("job-ca").build());
        String userData = text(secret("job-ca").getData().get("userdata"));
        assertTrue(userData.contains("ca_certs:") && userData.contains("BEGIN CERTIFICATE"), userData);
    }

    @Test
    void noSecretEverReachesTheVmi() throws Exception {
        provider.create(SandboxSpec.builder("job-2").build());
        String json = new ObjectMapper().writeValueAsString(vmi("job-2"));
        Secret secret = secret("job-2");
        for (String key : List.of("password", "ssh-privatekey", "userdata")) {
            String value = text(secret.getData().get(key));
            assertFalse(json.contains(value), key + " leaked into the VMI");
            assertFalse(json.contains(secret.getData().get(key)), key + " (base64) leaked into the VMI");
        }
    }

    @Test
    void everyVmiSentMatchesTheCrdSchema() throws Exception {
        provider.create(SandboxSpec.builder("job-3").machineType("pc-q35-rhel9.6.0").build());
        KubevirtProvider arm = provider("\"architecture\": \"arm64\", \"machine_type\": \"virt\", \"tolerations\": [{\"key\": \"arch\", "
                + "\"operator\": \"Equal\", \"value\": \"arm64\", \"effect\": \"NoSchedule\"}], \"node_selector\": {\"pool\": \"ci\"}", Clock.systemUTC());
        arm.create(SandboxSpec.builder("job-4").build());
        // The CRUD mock consumes request bodies; what it stored is what was sent (it adds only server-side metadata).
        int validated = 0;
        for (VirtualMachineInstance stored : client.resources(VirtualMachineInstance.class).inNamespace(NS).list().getItems()) {
            JsonNode body = new ObjectMapper().valueToTree(stored);
            assertEquals(Set.of(), CrdSchema.validateVmi(body), "schema violations in " + body);
            validated++;
        }
        assertEquals(2, validated);
    }

    @Test
    void everySecretSentIsWellFormed() {
        provider.create(SandboxSpec.builder("job-s").build());
        for (Secret secret : client.secrets().inNamespace(NS).list().getItems()) {
            assertEquals("v1", secret.getApiVersion());
            assertEquals("Secret", secret.getKind());
            assertEquals("Opaque", secret.getType());
            assertTrue(secret.getMetadata().getName().matches("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"), secret.getMetadata().getName());
            secret.getData().forEach((key, value) -> {
                assertTrue(key.matches("^[-._a-zA-Z0-9]+$"), "a valid Secret key: " + key);
                Base64.getDecoder().decode(value); // throws when not base64
            });
            assertTrue(secret.getData().keySet().containsAll(List.of("userdata", "user", "password", "ssh-privatekey")));
        }
    }

    @Test
    void theSchemaCheckCatchesAMisspeltField() {
        VirtualMachineInstance vmi = vmiFor("typo");
        vmi.getSpec().getVolumes().get(1).getCloudInitNoCloud().getAdditionalProperties().put("userDataSecretRef", Map.of("name", "x"));
        assertFalse(CrdSchema.validateVmi(vmi).isEmpty(), "the Go field name instead of secretRef must fail");
    }

    private VirtualMachineInstance vmiFor(String name) {
        provider.create(SandboxSpec.builder(name).build());
        return vmi(name);
    }

    @Test
    void readyMeansRunningWithAnIpAndTheReadyCondition() {
        provider.create(SandboxSpec.builder("job-5").build());
        ConnectInfo info = Readiness.addressOnly().await(provider, "job-5", Deadline.after(Duration.ofSeconds(20), Clock.systemUTC()), ProgressListener.SILENT);
        assertTrue(info.address().startsWith("10.244.0."), info.address());
        assertEquals(22, info.port());
        assertEquals("runner", info.user());
        assertTrue(info.credential() instanceof Credential.PrivateKey);
        assertNotNull(info.hostKey(), "the injected host key is pinned");
        assertEquals(SandboxState.RUNNING, provider.get("job-5").orElseThrow().state());
        String userData = text(secret("job-5").getData().get("userdata"));
        assertTrue(userData.contains(((Credential.PrivateKey) info.credential()).key().authorizedKeysLine()), "the key is in the user data");
        assertTrue(userData.contains(info.hostKey().authorizedKeysLine()), "the host key is in the user data");
    }

    @Test
    void aChosenPasswordIsWhatConnectInfoReturns() {
        var password = io.sandboxer.core.credentials.Secret.of("Chosen-Passw0rd-1234");
        provider.create(SandboxSpec.builder("job-5w").access(new SandboxAccess(OsFamily.WINDOWS,
                ConnectProtocol.SSH, 22, "runner", new Credential.Password(password))).build());
        ConnectInfo info = Readiness.addressOnly().await(provider, "job-5w", Deadline.after(Duration.ofSeconds(20), Clock.systemUTC()), ProgressListener.SILENT);
        assertTrue(info.credential() instanceof Credential.Password p && p.password().reveal().equals("Chosen-Passw0rd-1234"),
                "a key the guest never authorized must not replace the password: " + info.credential().getClass().getSimpleName());
        assertFalse(secret("job-5w").getData().containsKey(KubevirtNames.SECRET_PRIVATE_KEY));
    }

    @Test
    void imagePullErrorsFailFastWithTheClustersMessage() {
        controller.mode("job-6", FakeVirtController.Mode.IMAGE_PULL_ERROR);
        provider.create(SandboxSpec.builder("job-6").image(new ImageRef.ContainerDisk("quay.io/nope/nothing:1")).build());
        SandboxException e = assertThrows(SandboxException.class, () -> Readiness.addressOnly().await(provider, "job-6", Deadline.after(Duration.ofMinutes(5), Clock.systemUTC()), ProgressListener.SILENT));
        assertTrue(e.getMessage().contains("ErrImagePull") && e.getMessage().contains("quay.io/nope/nothing:1"), e.getMessage());
        assertFalse(e.isRetryable() || e.getMessage().contains("within"), "a failure of the VMI, not the end of the wait: " + e.getMessage());
        assertEquals(SandboxState.FAILED, provider.get("job-6").orElseThrow().state());
    }

    @Test
    void aFailedPhaseFailsFast() {
        controller.mode("job-7", FakeVirtController.Mode.FAILED);
        provider.create(SandboxSpec.builder("job-7").build());
        SandboxException e = assertThrows(SandboxException.class, () -> Readiness.addressOnly().await(provider, "job-7", Deadline.after(Duration.ofMinutes(5), Clock.systemUTC()), ProgressListener.SILENT));
        assertTrue(e.getMessage().contains("phase Failed") && e.getMessage().contains("the guest crashed during boot"), e.getMessage());
    }

    @Test
    void neverReadyTimesOutWithWhatItWaitedFor() {
        controller.mode("job-8", FakeVirtController.Mode.NEVER_READY);
        KubevirtProvider impatient = provider("\"ready_timeout\": \"2s\"", Clock.systemUTC());
        impatient.create(SandboxSpec.builder("job-8").build());
        SandboxException e = assertThrows(SandboxException.class, () -> Readiness.addressOnly().await(impatient, "job-8", Deadline.after(impatient.readyTimeout(), Clock.systemUTC()), ProgressListener.SILENT));
        assertTrue(e.getMessage().contains("within 2 s") && e.getMessage().contains("not Ready yet"), e.getMessage());
    }

    @Test
    void deleteRemovesVmiAndSecretAndIsIdempotent() {
        provider.create(SandboxSpec.builder("job-9").build());
        assertTrue(provider.delete("job-9"));
        assertNull(vmi("job-9"));
        assertNull(secret("job-9"));
        assertFalse(provider.delete("job-9"));
    }

    @Test
    void anotherGroupsVmisAreNeitherListedNorDeleted() {
        KubevirtProvider other = provider("\"group\": \"runner-2\"", Clock.systemUTC());
        other.create(SandboxSpec.builder("theirs").build());
        provider.create(SandboxSpec.builder("ours").build());
        assertEquals(List.of("ours"), provider.list().stream().map(Sandbox::id).toList());
        assertFalse(provider.delete("theirs"));
        assertNotNull(vmi("theirs"));
        assertNotNull(secret("theirs"));
    }

    @Test
    void unsupportedMachineTypesAreRefusedBeforeAnyApiCall() throws Exception {
        controller.close(); // its polling would count too: then every request counted is the provider's
        int before = server.getRequestCount();
        SandboxException e = assertThrows(SandboxException.class, () -> provider.create(SandboxSpec.builder("micro").machineType("microvm").build()));
        assertTrue(e.getMessage().contains("microvm") && e.getMessage().contains("q35"), e.getMessage());
        assertEquals(before, server.getRequestCount());
    }

    @Test
    void anAdmissionWebhookRejectionIsAClearErrorAndLeavesNoSecret() {
        server.expect().post().withPath("/apis/kubevirt.io/v1/namespaces/ci/virtualmachineinstances")
                .andReturn(422, Map.of("kind", "Status", "apiVersion", "v1", "status", "Failure", "reason", "Invalid", "code", 422,
                        "message", "admission webhook \"virtualmachineinstances-create-validator.kubevirt.io\" denied the request: "
                                + "spec.domain.machine.type: q35-rhel7 is not supported"))
                .once();
        SandboxException e = assertThrows(SandboxException.class, () -> provider.create(SandboxSpec.builder("denied").build()));
        assertTrue(e.getMessage().contains("rejected by the cluster") && e.getMessage().contains("is not supported"), e.getMessage());
        assertFalse(e.isRetryable());
        assertNull(secret("denied"), "the Secret made before the VMI is removed again");
    }

    @Test
    void serverErrorsAreRetriedAndTheRetriesEnd() {
        server.expect().get().withPath("/apis/kubevirt.io/v1/namespaces/ci/virtualmachineinstances?labelSelector=sandboxer.io%2Fgroup%3Drunner-1")
                .andReturn(500, "boom").times(2);
        assertEquals(List.of(), provider.list(), "succeeds on the third attempt");
        server.expect().get().withPath("/apis/kubevirt.io/v1/namespaces/ci/virtualmachineinstances?labelSelector=sandboxer.io%2Fgroup%3Drunner-1")
                .andReturn(500, "boom").always();
        SandboxException e = assertThrows(SandboxException.class, provider::list);
        assertTrue(e.isRetryable(), e.getMessage());
    }

    @Test
    void aDuplicateNameIsAConflict() {
        provider.create(SandboxSpec.builder("twice").build());
        SandboxException e = assertThrows(SandboxException.class, () -> provider.create(SandboxSpec.builder("twice").build()));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertNotNull(vmi("twice"));
    }

    @Test
    void garbageCollectionRemovesExpiredVmisAndOrphanedSecrets() {
        provider.create(SandboxSpec.builder("old").ttl(Duration.ofMinutes(30)).build());
        provider.create(SandboxSpec.builder("young").ttl(Duration.ofHours(5)).build());
        provider.create(SandboxSpec.builder("orphan").build());
        client.resources(VirtualMachineInstance.class).inNamespace(NS).withName("orphan").delete(); // its Secret stays behind
        Clock inAnHour = Clock.fixed(Instant.now().plus(Duration.ofHours(1)), ZoneOffset.UTC);
        KubevirtProvider later = provider("", inAnHour);

        GarbageReport dry = new GarbageCollector(later, inAnHour).collect(null, true);
        assertEquals(List.of("old"), dry.expiredSandboxes());
        assertEquals(List.of("orphan-bootstrap"), dry.orphans());
        assertNotNull(vmi("old"), "a dry run deletes nothing");

        GarbageReport real = new GarbageCollector(later, inAnHour).collect(null, false);
        assertEquals(List.of("old"), real.expiredSandboxes());
        assertNull(vmi("old"));
        assertNull(secret("old"));
        assertNull(secret("orphan"));
        assertNotNull(vmi("young"));
        assertNotNull(secret("young"));
    }

    @Test
    void aFreshSecretWithoutItsVmiYetIsNotAnOrphan() {
        provider.create(SandboxSpec.builder("racing").build());
        client.resources(VirtualMachineInstance.class).inNamespace(NS).withName("racing").delete();
        assertEquals(List.of(), new GarbageCollector(provider, Clock.systemUTC()).collect(null, false).orphans(), "younger than the grace period: a create may be in progress");
        assertNotNull(secret("racing"));
    }

    private static String text(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}
