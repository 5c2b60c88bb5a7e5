package io.sandboxer.backend.kubevirt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstance;
import io.sandboxer.core.access.CredentialChoice;
import io.sandboxer.core.access.GuestAccess;
import io.sandboxer.core.bootstrap.BootstrapRenderer;
import io.sandboxer.core.bootstrap.BootstrapRenderers;
import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.bootstrap.CaCertificate;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.credentials.SshPublicKey;
import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.ConnectProtocol;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.ImageRef;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.model.ResourceRequirement;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxAccess;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.GarbageQuery;
import io.sandboxer.core.provider.GarbageReport;
import io.sandboxer.core.provider.LabelChange;
import io.sandboxer.core.provider.OrphanCollector;
import io.sandboxer.core.provider.Relabeling;
import io.sandboxer.core.provider.Rollback;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxNotFoundException;
import io.sandboxer.core.provider.SandboxProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sandboxes as KubeVirt VirtualMachineInstances. Per sandbox: one Secret (cloud-init user data, SSH user,
 * a fresh 32-character password, the private key, the pinned host key) and one VMI booting a containerDisk
 * with {@code cloudInitNoCloud.secretRef}. The Secret is owned by the VMI (Kubernetes GC removes it too) and
 * is deleted explicitly as well. Listing, deletion and GC select by the group label, never by name alone.
 */
public final class KubevirtProvider implements SandboxProvider, OrphanCollector, Relabeling {
    private static final Logger LOG = LoggerFactory.getLogger(KubevirtProvider.class);
    /** A Secret younger than this may belong to a create in progress (Secret first, VMI second): GC leaves it. */
    static final Duration ORPHAN_GRACE = Duration.ofMinutes(2);
    /** Writes a relabel retries after a conflict (KubeVirt updates a booting VMI's status now and then). */
    private static final int RELABEL_ATTEMPTS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Tests put a rival's claim here, between this claim's read and its write: the race, made certain. */
    volatile Runnable beforeRelabelWrite = () -> { };

    private final KubevirtSettings settings;
    private final GroupSettings group;
    /** The group label value: what marks and finds this group's VMIs and Secrets. */
    private final String owner;
    /** The group's CAs ({@code ca_certificates_path}), read at open: every guest trusts them. */
    private final List<CaCertificate> caCertificates;
    private final KubernetesClient client;
    private final Clock clock;
    private final BootstrapRenderer renderer = BootstrapRenderers.byFormat("cloud-init");
    private final Map<String, PortForwardTunnel> tunnels = new ConcurrentHashMap<>();
    private final boolean ownsClient;
    /** The client's transport when this provider made the client (then closed after it); null otherwise. */
    private final KubernetesHttp http;

    private final ApiCalls api;

    public KubevirtProvider(KubevirtSettings settings, GroupSettings group, KubernetesClient client, Clock clock, boolean ownsClient) {
        this(settings, group, client, clock, ownsClient, null);
    }

    /** A provider owning a client made on {@code http}, which it closes after the client. */
    KubevirtProvider(KubevirtSettings settings, GroupSettings group, KubernetesClient client, Clock clock, KubernetesHttp http) {
        this(settings, group, client, clock, true, http);
    }

    private KubevirtProvider(KubevirtSettings settings, GroupSettings group, KubernetesClient client, Clock clock, boolean ownsClient,
            KubernetesHttp http) {
        this.settings = settings;
        this.group = group;
        this.owner = group.owner();
        this.caCertificates = group.caCertificates(); // read once, and before anything is created
        this.client = client;
        this.clock = clock;
        this.ownsClient = ownsClient;
        this.http = http;
        this.api = new ApiCalls(client.getMasterUrl() == null ? null : client.getMasterUrl().toString());
    }

    private MixedOperation<VirtualMachineInstance, KubernetesResourceList<VirtualMachineInstance>, Resource<VirtualMachineInstance>> vmis() {
        return client.resources(VirtualMachineInstance.class);
    }

    private String ns() {
        return settings.namespace();
    }

    @Override
    public Sandbox create(SandboxSpec spec) {
        String name = spec.name();
        Instant now = clock.instant();
        Instant expires = now.plus(spec.ttl() != null ? spec.ttl() : settings.ttl());
        String machineType = spec.machineType() != null ? spec.machineType() : settings.machineType();
        var architecture = spec.architecture() != null ? spec.architecture() : settings.architecture();
        KubevirtSettings.machineTypeProblem(machineType, architecture).ifPresent(problem -> {
            throw new SandboxException("machine type \"" + machineType + "\" is not allowed: " + problem, false);
        });
        String image = imageOf(spec.image());

        // A library caller that gives no access gets the backend's default user with a generated credential; the rules
        // of what that user gets are GuestAccess's, as for every adapter.
        SandboxAccess access = spec.access();
        BootstrapSpec bootstrap = spec.bootstrap() != null ? spec.bootstrap().withHostname(name) : null;
        io.sandboxer.core.credentials.Secret consolePassword = null;
        if (access == null || bootstrap == null || bootstrap.users().stream().noneMatch(u -> u.name().equals(spec.access().user()))) {
            GuestAccess.Plan plan = new GuestAccess().plan(access == null
                    ? new GuestAccess.Request(settings.os(), ConnectProtocol.SSH, settings.sshPort(), settings.sshUser(), new CredentialChoice.Generated(),
                            caCertificates, group.passwordHash())
                    : new GuestAccess.Request(access.os(), access.protocol(), access.port(), access.user(), new CredentialChoice.Given(access.credential()), caCertificates,
                            group.passwordHash()));
            bootstrap = bootstrap == null ? plan.bootstrap(name) : plan.applyTo(bootstrap);
            access = access == null ? plan.access() : access;
            consolePassword = plan.userPassword();
        }
        bootstrap = GuestAccess.withGroupCaCertificates(bootstrap, caCertificates);
        byte[] userData = renderer.render(bootstrap).part("user-data");
        var pinned = access.hostKey() != null ? access.hostKey() : bootstrap.hostKeys().isEmpty() ? null : bootstrap.hostKeys().get(0).publicKey();

        Map<String, String> data = new LinkedHashMap<>();
        data.put(KubevirtNames.SECRET_USERDATA, b64(userData));
        data.put(KubevirtNames.SECRET_USER, b64(access.user()));
        // The Secret holds exactly the credential the guest was given: connectInfo hands back what is there.
        switch (access.credential()) {
            case Credential.Password p -> data.put(KubevirtNames.SECRET_PASSWORD, b64(p.password().reveal()));
            case Credential.PrivateKey k -> {
                data.put(KubevirtNames.SECRET_PRIVATE_KEY, b64(k.key().text().reveal()));
                if (consolePassword != null) { // the Go tool's Secret layout: the console password next to the key
                    data.put(KubevirtNames.SECRET_PASSWORD, b64(consolePassword.reveal()));
                }
            }
        }
        data.put(KubevirtNames.SECRET_OS, b64(access.os().jsonName()));
        data.put(KubevirtNames.SECRET_PORT, b64(Integer.toString(access.port())));
        if (pinned != null) {
            data.put(KubevirtNames.SECRET_HOST_KEY, b64(pinned.authorizedKeysLine()));
        }
        Secret secret = new SecretBuilder().withNewMetadata()
                .withName(KubevirtNames.secretName(name)).withNamespace(ns())
                .withLabels(Map.of(KubevirtNames.GROUP_LABEL, owner, KubevirtNames.ID_LABEL, name,
                        KubevirtNames.KIND_LABEL, KubevirtNames.KIND_BOOTSTRAP))
                .endMetadata().withType("Opaque").withData(data).build();
        Rollback made = new Rollback(name);
        api.retrying("creating Secret " + secret.getMetadata().getName(), () -> client.secrets().inNamespace(ns()).resource(secret).create());
        made.made("Secret " + secret.getMetadata().getName(), () -> client.secrets().inNamespace(ns()).withName(KubevirtNames.secretName(name)).delete());

        VirtualMachineInstance vmi = VmiFactory.build(new VmiFactory.Request(name, ns(), owner, image, settings.imagePullPolicy(),
                settings.imagePullSecret(), architecture, machineType,
                merge(spec.resources().cpu(), settings.cpuRequest(), settings.cpuLimit()),
                merge(spec.resources().memory(), settings.memoryRequest(), settings.memoryLimit()),
                merge(spec.resources().disk(), settings.ephemeralStorageRequest(), settings.ephemeralStorageLimit()),
                settings.nodeSelector(), settings.tolerations(), access.port(), expires,
                spec.labels()));
        VirtualMachineInstance created;
        try {
            created = api.retrying("creating VirtualMachineInstance " + name, () -> vmis().inNamespace(ns()).resource(vmi).create());
        } catch (SandboxException e) {
            throw made.undo(e);
        }
        made.made("VirtualMachineInstance " + name, () -> vmis().inNamespace(ns()).withName(name).withGracePeriod(0).delete());
        // The ownerReference lets Kubernetes' garbage collector remove the Secret with its VMI whoever deletes the VMI
        // (kubectl, a TTL controller): without it a credential could outlive its guest, so a refused patch is a failure.
        String uid = created.getMetadata().getUid();
        try {
            api.retrying("making VirtualMachineInstance " + name + " the owner of its Secret",
                    () -> client.secrets().inNamespace(ns()).withName(KubevirtNames.secretName(name)).edit(s -> {
                        s.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder().withApiVersion("kubevirt.io/v1")
                                .withKind("VirtualMachineInstance").withName(name).withUid(uid).build()));
                        return s;
                    }));
        } catch (SandboxException e) {
            throw made.undo(e);
        }
        LOG.info("created VirtualMachineInstance {}/{} from {}", ns(), name, image);
        return toSandbox(created);
    }

    private String imageOf(ImageRef image) {
        return switch (image) {
            case null -> {
                if (settings.image() == null) {
                    throw new SandboxException("no image: set the default image (image / --default-image) or give the job one", false);
                }
                yield settings.image();
            }
            case ImageRef.ContainerDisk c -> c.reference();
            default -> throw new SandboxException("the KubeVirt backend boots containerDisk images, not " + image, false);
        };
    }

    private static ResourceRequirement merge(ResourceRequirement fromSpec, Quantity request,
            Quantity limit) {
        if (fromSpec != null && fromSpec.isSet()) {
            return fromSpec;
        }
        return request == null && limit == null ? null : new ResourceRequirement(request, limit);
    }

    @Override
    public Optional<Sandbox> get(String id) {
        VirtualMachineInstance vmi = api.retrying("reading VirtualMachineInstance " + id, () -> vmis().inNamespace(ns()).withName(id).get());
        return Optional.ofNullable(vmi).filter(this::ours).map(this::toSandbox);
    }

    private boolean ours(VirtualMachineInstance vmi) {
        var labels = vmi.getMetadata().getLabels();
        return labels != null && owner.equals(labels.get(KubevirtNames.GROUP_LABEL));
    }

    @Override
    public List<Sandbox> list() {
        return api.retrying("listing VirtualMachineInstances", () -> vmis().inNamespace(ns())
                .withLabel(KubevirtNames.GROUP_LABEL, owner).list().getItems()).stream().map(this::toSandbox).toList();
    }

    private Sandbox toSandbox(VirtualMachineInstance vmi) {
        VmiStatus status = VmiStatus.of(vmi);
        var meta = vmi.getMetadata();
        Instant created = meta.getCreationTimestamp() == null ? null : OffsetDateTime.parse(meta.getCreationTimestamp()).toInstant();
        String expiry = meta.getAnnotations() == null ? null : meta.getAnnotations().get(KubevirtNames.EXPIRES_ANNOTATION);
        Instant expires = expiry == null ? null : Instant.ofEpochSecond(Long.parseLong(expiry));
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        return new Sandbox(meta.getName(), status.state(), status.ipAddress(), null, created, expires, labels, status.detail());
    }

    @Override
    public boolean delete(String id) {
        Optional.ofNullable(tunnels.remove(id)).ifPresent(PortForwardTunnel::close);
        VirtualMachineInstance vmi = api.retrying("reading VirtualMachineInstance " + id, () -> vmis().inNamespace(ns()).withName(id).get());
        boolean removed = false;
        if (vmi != null && !ours(vmi)) {
            return false; // another group's VMI of that name: not ours to touch
        }
        if (vmi != null) {
            removed |= !api.retrying("deleting VirtualMachineInstance " + id,
                    () -> vmis().inNamespace(ns()).withName(id).withGracePeriod(0).delete()).isEmpty();
        }
        removed |= deleteSecret(id);
        if (removed) {
            LOG.info("deleted {}/{}", ns(), id);
        }
        return removed;
    }

    private boolean deleteSecret(String id) {
        Secret secret = api.retrying("reading Secret of " + id,
                () -> client.secrets().inNamespace(ns()).withName(KubevirtNames.secretName(id)).get());
        if (secret == null || secret.getMetadata().getLabels() == null
                || !owner.equals(secret.getMetadata().getLabels().get(KubevirtNames.GROUP_LABEL))) {
            return false;
        }
        return !api.retrying("deleting Secret of " + id,
                () -> client.secrets().inNamespace(ns()).withName(KubevirtNames.secretName(id)).delete()).isEmpty();
    }

    /**
     * A JSON merge patch of the VMI's labels (and expiry annotation) that carries the {@code resourceVersion} the guard was
     * read at: the API server applies it only if the VMI is unchanged since, else answers 409 (optimistic concurrency), and
     * the guard is read again; so of two claims on any hosts exactly one writes its label. A patch, not an update: only
     * these fields travel, so nothing of a VMI this client does not model can be lost on the way back.
     */
    @Override
    public boolean relabel(String id, LabelChange change) {
        for (int attempt = 1; attempt <= RELABEL_ATTEMPTS; attempt++) {
            VirtualMachineInstance vmi = api.retrying("reading VirtualMachineInstance " + id, () -> vmis().inNamespace(ns()).withName(id).get());
            if (vmi == null || !ours(vmi)) {
                return false;
            }
            var labels = vmi.getMetadata().getLabels();
            if (change.unlessLabelled() != null && labels.containsKey(change.unlessLabelled())) {
                return false;
            }
            ObjectNode patch = JSON.createObjectNode();
            ObjectNode metadata = patch.putObject("metadata").put("resourceVersion", vmi.getMetadata().getResourceVersion());
            ObjectNode newLabels = metadata.putObject("labels");
            change.put().forEach(newLabels::put);
            if (!change.expiry().keeps()) {
                Duration ttl = change.expiry().ttlFromNow(settings.ttl());
                metadata.putObject("annotations").put(KubevirtNames.EXPIRES_ANNOTATION, Long.toString(clock.instant().plus(ttl).getEpochSecond()));
            }
            try {
                beforeRelabelWrite.run();
                vmis().inNamespace(ns()).withName(id).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return false;
                }
                if (e.getCode() != 409 && !ApiCalls.isRetryable(e)) {
                    throw ApiCalls.translate(client.getMasterUrl() == null ? null : client.getMasterUrl().toString(), "relabelling " + id, e);
                }
                LOG.debug("relabelling {}: {} (attempt {}); reading it again", id, e.getCode(), attempt);
            }
        }
        throw new SandboxException("relabelling " + id + ": the VirtualMachineInstance kept changing (" + RELABEL_ATTEMPTS + " attempts)", true);
    }

    @Override
    public ConnectInfo connectInfo(String id) {
        VirtualMachineInstance vmi = api.retrying("reading VirtualMachineInstance " + id, () -> vmis().inNamespace(ns()).withName(id).get());
        if (vmi == null || !ours(vmi)) {
            throw new SandboxNotFoundException(id);
        }
        VmiStatus status = VmiStatus.of(vmi);
        if (status.state() == SandboxState.FAILED) {
            throw new SandboxException(id + " failed: " + status.detail(), false);
        }
        if (status.state() != SandboxState.RUNNING) {
            throw new SandboxException(id + " is not ready yet (" + status.detail() + ")", true);
        }
        Secret secret = api.retrying("reading Secret of " + id, () -> client.secrets().inNamespace(ns()).withName(KubevirtNames.secretName(id)).get());
        if (secret == null || secret.getData() == null) {
            throw new SandboxException("the Secret " + KubevirtNames.secretName(id) + " with the credentials of " + id + " is missing", false);
        }
        Map<String, String> data = secret.getData();
        String user = unb64(data.get(KubevirtNames.SECRET_USER));
        OsFamily os = "windows".equals(unb64(data.get(KubevirtNames.SECRET_OS))) ? OsFamily.WINDOWS : OsFamily.LINUX;
        Credential credential = data.containsKey(KubevirtNames.SECRET_PRIVATE_KEY)
                ? new Credential.PrivateKey(SshPrivateKey.parse(io.sandboxer.core.credentials.Secret.of(unb64(data.get(KubevirtNames.SECRET_PRIVATE_KEY))),
                        null, "key of " + id))
                : new Credential.Password(io.sandboxer.core.credentials.Secret.of(unb64(data.get(KubevirtNames.SECRET_PASSWORD))));
        SshPublicKey hostKey = data.containsKey(KubevirtNames.SECRET_HOST_KEY) ? SshPublicKey.parse(unb64(data.get(KubevirtNames.SECRET_HOST_KEY))) : null;
        int port = data.containsKey(KubevirtNames.SECRET_PORT) ? Integer.parseInt(unb64(data.get(KubevirtNames.SECRET_PORT))) : settings.sshPort();
        String internal = status.ipAddress();
        String external = internal;
        int externalPort = port;
        if (useTunnel()) {
            PortForwardTunnel tunnel = tunnels.computeIfAbsent(id, name -> {
                try {
                    return new PortForwardTunnel(client, ns(), name, port);
                } catch (IOException e) {
                    throw new SandboxException("cannot open a port-forward tunnel to " + name + ": " + e.getMessage(), true, e);
                }
            });
            external = "127.0.0.1";
            externalPort = tunnel.localPort();
        }
        return new ConnectInfo(id, os, settings.architecture(), ConnectProtocol.SSH, internal, external, externalPort, user, credential, hostKey);
    }

    private boolean useTunnel() {
        return switch (settings.access()) {
            case PORT_FORWARD -> true;
            case POD_IP -> false;
            case AUTO -> System.getenv("KUBERNETES_SERVICE_HOST") == null;
        };
    }

    /**
     * Deletes Secrets of the group whose VMI no longer exists (older than {@link #ORPHAN_GRACE}, so a create in progress
     * is never hit). Equality label selectors only.
     */
    @Override
    public GarbageReport collectOrphans(GarbageQuery query) {
        // Ownership is the group label, whatever the names; a Secret is given at least ORPHAN_GRACE to meet its VMI.
        boolean dryRun = query.dryRun();
        Duration grace = query.orphanGrace().compareTo(ORPHAN_GRACE) > 0 ? query.orphanGrace() : ORPHAN_GRACE;
        Instant now = clock.instant();
        List<String> orphans = new ArrayList<>();
        List<VirtualMachineInstance> all = api.retrying("listing VirtualMachineInstances", () -> vmis().inNamespace(ns())
                .withLabel(KubevirtNames.GROUP_LABEL, owner).list().getItems());
        Set<String> existing = all.stream().map(v -> v.getMetadata().getName()).collect(Collectors.toSet());
        Map<String, String> failures = new LinkedHashMap<>();
        List<Secret> secrets = api.retrying("listing Secrets", () -> client.secrets().inNamespace(ns())
                .withLabel(KubevirtNames.GROUP_LABEL, owner).list().getItems());
        for (Secret secret : secrets) {
            String id = secret.getMetadata().getLabels().get(KubevirtNames.ID_LABEL);
            String createdText = secret.getMetadata().getCreationTimestamp();
            Instant created = createdText == null ? now : OffsetDateTime.parse(createdText).toInstant();
            if (id != null && !existing.contains(id) && created.plus(grace).isBefore(now)) {
                orphans.add(secret.getMetadata().getName());
                if (!dryRun) {
                    try {
                        api.retrying("deleting orphaned Secret " + secret.getMetadata().getName(),
                                () -> client.secrets().inNamespace(ns()).withName(secret.getMetadata().getName()).delete());
                    } catch (SandboxException e) {
                        failures.put(secret.getMetadata().getName(), e.getMessage());
                    }
                }
            }
        }
        return new GarbageReport(dryRun, List.of(), orphans, failures);
    }

    /** How long a caller of this backend should wait for a new sandbox's address ({@code ready_timeout}). */
    public Duration readyTimeout() {
        return settings.readyTimeout();
    }

    @Override
    public void checkHealth() {
        api.retrying("listing VirtualMachineInstances", () -> vmis().inNamespace(ns()).withLabel(KubevirtNames.GROUP_LABEL, owner)
                .list());
    }

    @Override
    public void close() {
        tunnels.values().forEach(PortForwardTunnel::close);
        tunnels.clear();
        if (ownsClient) {
            client.close();
        }
        if (http != null) {
            http.close();
        }
    }

    private static String b64(String text) {
        return b64(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static String unb64(String value) {
        return value == null ? null : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
    }
}
