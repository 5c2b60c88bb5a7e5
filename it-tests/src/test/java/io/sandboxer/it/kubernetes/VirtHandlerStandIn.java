package io.sandboxer.it.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for KubeVirt's virt-controller and virt-handler, run by it-tests as a process of its own against the real
 * API server (this machine cannot host virt-handler's node agent): for each VirtualMachineInstance in one namespace it
 * reads the {@code cloudInitNoCloud.secretRef} Secret's user data, boots a real guest on the local libvirtd with that
 * NoCloud seed (the Debian test image stands in for the containerDisk, sized from the VMI's resources), and writes the
 * status a real KubeVirt writes: phase Scheduling → Scheduled → Running, the first interface's IP, condition Ready once
 * the readiness probe's TCP port answers (as kubelet's probe does), {@code Synchronized=False ErrImagePull} for an image
 * it cannot "pull", phase Failed with the reason when the guest cannot start, Succeeded when the guest powers off. Like
 * KubeVirt it puts a finalizer on each VMI and removes it only after the guest and its disks are gone.
 *
 * <p>Usage: {@code VirtHandlerStandIn KUBECONFIG NAMESPACE IMAGE URI POOL POOL_DIR NETWORK BASE_VOLUME KERNEL INITRD};
 * IMAGE is the one containerDisk reference it can "pull". It logs one line per transition on stdout.
 */
public final class VirtHandlerStandIn {
    /** KubeVirt's own finalizer name: a VMI stays (with a deletionTimestamp) until its guest is gone. */
    static final String FINALIZER = "kubevirt.io/virtualMachineControllerFinalize";
    /** Domains this stand-in defines: {@code kv-<namespace>-<vmi>}; anything else on the host is not its. */
    static final String DOMAIN_PREFIX = "kv-";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LEASE_IP = Pattern.compile("ipv4\\s+(\\d+\\.\\d+\\.\\d+\\.\\d+)/");

    private final KubernetesClient client;
    private final String namespace;
    private final String image;
    private final String uri;
    private final String pool;
    private final Path poolDir;
    private final String network;
    private final String baseVolume;
    private final String kernel;
    private final String initrd;
    /** VMI uid → the guest booted for it (a VMI recreated under the same name is another guest). */
    private final Map<String, String> guests = new HashMap<>();

    private VirtHandlerStandIn(KubernetesClient client, String[] args) {
        this.client = client;
        this.namespace = args[1];
        this.image = args[2];
        this.uri = args[3];
        this.pool = args[4];
        this.poolDir = Path.of(args[5]);
        this.network = args[6];
        this.baseVolume = args[7];
        this.kernel = args[8];
        this.initrd = args[9];
    }

    /** Starts the stand-in as its own process (this JVM's classpath) for {@code namespace}; its log goes to {@code log}. */
    public static Process launch(Path kubeconfig, String namespace, String image, io.sandboxer.it.libvirt.LibvirtHost host, Path log)
            throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "-Xmx256m", VirtHandlerStandIn.class.getName(), kubeconfig.toString(), namespace,
                image, host.uri(), host.pool(), host.poolDir().toString(), host.network(), host.baseVolume(), host.kernel(), host.initrd());
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    public static void main(String[] args) throws Exception {
        try (KubernetesClient client = ControlPlane.client(Files.readString(Path.of(args[0])))) {
            VirtHandlerStandIn standIn = new VirtHandlerStandIn(client, args);
            standIn.sweepForeignGuests();
            // A test JVM killed outright cannot stop its stand-in: it stops itself (and its guests) when its parent is gone.
            ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
            while (parent.isAlive()) {
                standIn.reconcileAll();
                Thread.sleep(500); // the reconcile interval: a controller's resync, not a test's synchronisation
            }
            standIn.sweepForeignGuests();
        }
    }

    private void reconcileAll() {
        List<GenericKubernetesResource> vmis;
        try {
            vmis = client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachineInstance").inNamespace(namespace).list().getItems();
        } catch (KubernetesClientException e) {
            log("listing VMIs failed: " + e.getMessage());
            return;
        }
        Set<String> live = new HashSet<>();
        for (GenericKubernetesResource vmi : vmis) {
            live.add(vmi.getMetadata().getUid());
            try {
                reconcile(JSON.valueToTree(vmi));
            } catch (IOException | RuntimeException e) {
                log(vmi.getMetadata().getName() + ": " + e); // the next round tries again, as a controller does
            }
        }
        // A VMI deleted by force (finalizer removed by someone else): its guest must not outlive it.
        for (var it = guests.entrySet().iterator(); it.hasNext(); ) {
            var guest = it.next();
            if (!live.contains(guest.getKey())) {
                removeGuest(guest.getValue());
                it.remove();
            }
        }
    }

    private void reconcile(JsonNode vmi) throws IOException {
        JsonNode meta = vmi.path("metadata");
        String name = meta.path("name").asText();
        String uid = meta.path("uid").asText();
        String domain = DOMAIN_PREFIX + namespace + "-" + name;
        boolean hasFinalizer = false;
        for (JsonNode f : meta.path("finalizers")) {
            hasFinalizer |= FINALIZER.equals(f.asText());
        }
        if (meta.hasNonNull("deletionTimestamp")) {
            removeGuest(domain);
            guests.remove(uid);
            if (hasFinalizer) {
                ArrayNode rest = JSON.createArrayNode();
                meta.path("finalizers").forEach(f -> {
                    if (!FINALIZER.equals(f.asText())) {
                        rest.add(f);
                    }
                });
                patch(name, meta.path("resourceVersion").asText(), rest, null);
                log(name + ": guest removed, finalizer released");
            }
            return;
        }
        String phase = vmi.path("status").path("phase").asText("");
        if (!hasFinalizer) {
            ArrayNode finalizers = meta.path("finalizers").isArray() ? ((ArrayNode) meta.path("finalizers")).deepCopy() : JSON.createArrayNode();
            finalizers.add(FINALIZER);
            ObjectNode status = JSON.createObjectNode().put("phase", "Scheduling");
            patch(name, meta.path("resourceVersion").asText(), finalizers, status);
            log(name + ": Scheduling");
            return;
        }
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            return;
        }
        String wanted = vmi.path("spec").path("volumes").findValue("containerDisk") == null ? null
                : vmi.path("spec").path("volumes").findValue("containerDisk").path("image").asText();
        if (!image.equals(wanted)) {
            if (vmi.path("status").path("conditions").isEmpty()) {
                ObjectNode status = statusOf(vmi).put("phase", "Scheduling");
                status.putArray("conditions").add(condition("Synchronized", "False", "ErrImagePull",
                        "failed to pull image \"" + wanted + "\": manifest unknown"));
                patch(name, meta.path("resourceVersion").asText(), null, status);
                log(name + ": ErrImagePull " + wanted);
            }
            return;
        }
        if (!guests.containsKey(uid)) {
            try {
                boot(vmi, domain);
                guests.put(uid, domain);
                patch(name, meta.path("resourceVersion").asText(), null, statusOf(vmi).put("phase", "Scheduled").put("nodeName", "stand-in"));
                log(name + ": Scheduled, guest " + domain + " started");
            } catch (IllegalStateException e) {
                removeGuest(domain);
                ObjectNode status = statusOf(vmi).put("phase", "Failed").put("reason", "FailedCreate");
                status.putArray("conditions").add(condition("Synchronized", "False", "FailedCreate", e.getMessage()));
                patch(name, meta.path("resourceVersion").asText(), null, status);
                log(name + ": Failed: " + e.getMessage());
            }
            return;
        }
        String state = virsh("domstate", domain).strip();
        if (!state.equals("running")) {
            patch(name, meta.path("resourceVersion").asText(), null, statusOf(vmi).put("phase", "Succeeded"));
            log(name + ": guest " + state + ", Succeeded");
            return;
        }
        Optional<String> ip = leaseIp(domain);
        int probePort = vmi.path("spec").path("readinessProbe").path("tcpSocket").path("port").asInt(0);
        boolean ready = ip.isPresent() && (probePort == 0 || answers(ip.get(), probePort));
        String currentIp = vmi.path("status").path("interfaces").path(0).path("ipAddress").asText("");
        boolean currentReady = false;
        for (JsonNode c : vmi.path("status").path("conditions")) {
            currentReady |= "Ready".equals(c.path("type").asText()) && "True".equals(c.path("status").asText());
        }
        if ("Running".equals(phase) && ip.orElse("").equals(currentIp) && ready == currentReady) {
            return;
        }
        ObjectNode status = statusOf(vmi).put("phase", "Running");
        if (ip.isPresent()) {
            ObjectNode nic = status.putArray("interfaces").addObject().put("name", "default").put("ipAddress", ip.get());
            nic.putArray("ipAddresses").add(ip.get());
        }
        status.putArray("conditions").add(condition("Ready", ready ? "True" : "False", ready ? null : "GuestNotReady", null));
        patch(name, meta.path("resourceVersion").asText(), null, status);
        log(name + ": Running" + ip.map(a -> " at " + a).orElse("") + (ready ? ", Ready" : ""));
    }

    /** Overlay disk on the base image, NoCloud seed from the Secret, domain sized from the VMI: defined and started. */
    private void boot(JsonNode vmi, String domain) throws IOException {
        String secretName = vmi.path("spec").path("volumes").findValue("cloudInitNoCloud").path("secretRef").path("name").asText();
        Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
        if (secret == null || secret.getData() == null || !secret.getData().containsKey("userdata")) {
            throw new IllegalStateException("secret " + secretName + " with key userdata not found");
        }
        Path seedDir = Files.createTempDirectory("cidata");
        Files.write(seedDir.resolve("user-data"), Base64.getDecoder().decode(secret.getData().get("userdata")));
        String hostname = vmi.path("spec").path("hostname").asText(vmi.path("metadata").path("name").asText());
        Files.writeString(seedDir.resolve("meta-data"), "instance-id: " + vmi.path("metadata").path("uid").asText() + "\nlocal-hostname: " + hostname + "\n");
        Path iso = poolDir.resolve(domain + "-cidata.iso");
        run(List.of("xorriso", "-as", "mkisofs", "-quiet", "-output", iso.toString(), "-volid", "cidata", "-joliet", "-rock",
                seedDir.resolve("user-data").toString(), seedDir.resolve("meta-data").toString()));
        run(List.of("rm", "-rf", seedDir.toString()));
        virsh("vol-create-as", pool, domain + ".qcow2", "4G", "--format", "qcow2", "--backing-vol", baseVolume, "--backing-vol-format", "qcow2");
        JsonNode resources = vmi.path("spec").path("domain").path("resources");
        // As KubeVirt sizes a guest without an explicit topology or guest memory: vCPUs from the CPU limit (else the
        // request), memory from the request (the limit is the pod's, which also covers QEMU's overhead).
        int cpus = Math.max(1, (int) Math.ceil(cpu(resources.path("limits").path("cpu").asText(resources.path("requests").path("cpu").asText("1")))));
        long memoryMib = mebibytes(resources.path("requests").path("memory").asText(resources.path("limits").path("memory").asText("1Gi")));
        String xml = """
                <domain type='qemu'>
                  <name>%s</name>
                  <memory unit='MiB'>%d</memory>
                  <vcpu>%d</vcpu>
                  <os><type arch='x86_64'>hvm</type><kernel>%s</kernel><initrd>%s</initrd><cmdline>root=/dev/vda rw console=ttyS0</cmdline></os>
                  <devices>
                    <disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='%s' volume='%s.qcow2'/><target dev='vda' bus='virtio'/></disk>
                    <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='%s'/><target dev='hdc' bus='ide'/><readonly/></disk>
                    <interface type='network'><source network='%s'/><model type='virtio'/></interface>
                    <serial type='pty'/><console type='pty'/>
                    <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
                  </devices>
                </domain>
                """.formatted(domain, memoryMib, cpus, kernel, initrd, pool, domain, iso, network);
        Path file = Files.createTempFile("domain", ".xml");
        Files.writeString(file, xml);
        try {
            virsh("define", file.toString());
            virsh("start", domain);
        } finally {
            Files.delete(file);
        }
    }

    private void removeGuest(String domain) {
        virshQuiet("destroy", domain);
        virshQuiet("undefine", domain);
        virshQuiet("vol-delete", domain + ".qcow2", "--pool", pool);
        try {
            Files.deleteIfExists(poolDir.resolve(domain + "-cidata.iso"));
        } catch (IOException e) {
            log("cannot delete the seed of " + domain + ": " + e.getMessage());
        }
    }

    /** Guests of this namespace left by an earlier stand-in that died: the VMIs are what counts. */
    private void sweepForeignGuests() {
        for (String domain : virsh("list", "--all", "--name").split("\n")) {
            if (domain.startsWith(DOMAIN_PREFIX + namespace + "-")) {
                removeGuest(domain.strip());
            }
        }
    }

    private Optional<String> leaseIp(String domain) {
        Matcher m = LEASE_IP.matcher(virshQuiet("domifaddr", domain, "--source", "lease"));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private static boolean answers(String ip, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(ip, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A merge patch carrying the resourceVersion read: a write that raced another (the backend's relabel) is refused and redone. */
    private void patch(String name, String resourceVersion, ArrayNode finalizers, ObjectNode status) {
        ObjectNode patch = JSON.createObjectNode();
        ObjectNode metadata = patch.putObject("metadata").put("resourceVersion", resourceVersion);
        if (finalizers != null) {
            metadata.set("finalizers", finalizers);
        }
        if (status != null) {
            patch.set("status", status);
        }
        client.genericKubernetesResources("kubevirt.io/v1", "VirtualMachineInstance").inNamespace(namespace).withName(name)
                .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    }

    private static ObjectNode statusOf(JsonNode vmi) {
        return vmi.path("status").isObject() ? ((ObjectNode) vmi.path("status")).deepCopy() : JSON.createObjectNode();
    }

    private static ObjectNode condition(String type, String status, String reason, String message) {
        ObjectNode c = JSON.createObjectNode().put("type", type).put("status", status)
                .put("lastTransitionTime", DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS)));
        if (reason != null) {
            c.put("reason", reason);
        }
        if (message != null) {
            c.put("message", message);
        }
        return c;
    }

    static double cpu(String quantity) {
        return quantity.endsWith("m") ? Double.parseDouble(quantity.substring(0, quantity.length() - 1)) / 1000 : Double.parseDouble(quantity);
    }

    static long mebibytes(String quantity) {
        Matcher m = Pattern.compile("^(\\d+)(Ki|Mi|Gi|K|M|G)?$").matcher(quantity);
        if (!m.matches()) {
            throw new IllegalStateException("memory quantity " + quantity + " is not one this stand-in reads");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "" : m.group(2)) {
            case "Gi" -> n * 1024;
            case "Mi" -> n;
            case "Ki" -> n / 1024;
            case "G" -> n * 1_000_000_000L / (1024 * 1024);
            case "M" -> n * 1_000_000L / (1024 * 1024);
            case "K" -> n * 1000L / (1024 * 1024);
            default -> n / (1024 * 1024);
        };
    }

    private String virsh(String... args) {
        List<String> command = new ArrayList<>(List.of("virsh", "-q", "-c", uri));
        command.addAll(List.of(args));
        return run(command);
    }

    private String virshQuiet(String... args) {
        try {
            return virsh(args);
        } catch (IllegalStateException e) {
            return "";
        }
    }

    private static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command.subList(0, Math.min(command.size(), 5))) + " failed: " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void log(String line) {
        System.out.println(Instant.now() + " " + line);
        System.out.flush();
    }
}
