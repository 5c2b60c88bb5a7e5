package io.sandboxer.it.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.sandboxer.core.testing.Poll;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A real Kubernetes control plane for it-tests: etcd, {@code kube-apiserver} (authorization mode RBAC, a static admin
 * token, ServiceAccount tokens signed with a key made here) and {@code kube-controller-manager} running only its
 * garbage collector, all built from the Go module proxy by {@code scripts/build-control-plane.sh}. The KubeVirt v1
 * VirtualMachineInstance CRD is installed from the file the backend's model is generated from. Everything lives in
 * one directory and goes with {@link #close()}.
 */
public final class ControlPlane implements AutoCloseable {
    /** The CRD the backend is generated from: a real API server enforces its structural schema. */
    static final Path VMI_CRD = Path.of("../backend-kubevirt/src/main/crds/kubevirt.io_virtualmachineinstances.yaml");
    /** The documented Role: what a least-privilege test binds, unchanged. */
    public static final Path RBAC = Path.of("../docs/kubevirt-rbac.yaml");
    private static final Duration START_LIMIT = Duration.ofMinutes(2);

    private final Path dir;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final String server;
    private final String adminToken;
    /** The API server's self-signed certificate (base64), read once it is up: kubeconfigs trust exactly it. */
    private String caData;
    private KubernetesClient admin;

    private ControlPlane(Path dir, String server, String adminToken) {
        this.dir = dir;
        this.server = server;
        this.adminToken = adminToken;
    }

    private static Path binaries;

    /** The directory of the built binaries; the first build on a machine takes about ten minutes. */
    static synchronized Path binaries() {
        if (binaries == null) {
            binaries = Path.of(LibvirtHost.run(Path.of("scripts/build-control-plane.sh").toAbsolutePath().toString()).strip());
        }
        return binaries;
    }

    /** Starts etcd, the API server and the garbage collector in {@code dir}, waits until the API server is ready. */
    public static ControlPlane start(Path dir) throws IOException {
        Path bin = binaries();
        Files.createDirectories(dir);
        int etcdPort = freePort();
        int peerPort = freePort();
        int apiPort = freePort();
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        String adminToken = HexFormat.of().formatHex(random);
        Path tokens = write(dir.resolve("tokens.csv"), adminToken + ",admin,admin-uid,system:masters\n");
        var keys = keyPair();
        Path signingKey = write(dir.resolve("sa.key"), pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        Path verifyingKey = write(dir.resolve("sa.pub"), pem("PUBLIC KEY", keys.getPublic().getEncoded()));
        Path certs = Files.createDirectories(dir.resolve("certs"));
        String server = "https://127.0.0.1:" + apiPort;
        ControlPlane plane = new ControlPlane(dir, server, adminToken);
        // A test JVM stopped before its afterAll (Ctrl-C, a failsafe timeout) still takes its control plane with it.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> plane.processes.values().forEach(Process::destroy)));
        try {
            plane.launch("etcd", bin.resolve("etcd").toString(), "--name", "default", "--data-dir", dir.resolve("etcd").toString(),
                    "--listen-client-urls", "http://127.0.0.1:" + etcdPort, "--advertise-client-urls", "http://127.0.0.1:" + etcdPort,
                    "--listen-peer-urls", "http://127.0.0.1:" + peerPort, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
                    "--initial-cluster", "default=http://127.0.0.1:" + peerPort, "--unsafe-no-fsync", "--log-level", "warn");
            plane.launch("kube-apiserver", bin.resolve("kube-apiserver").toString(),
                    "--etcd-servers", "http://127.0.0.1:" + etcdPort,
                    "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", Integer.toString(apiPort),
                    // one API server on loopback: no "kubernetes" Service endpoints to keep (loopback is refused there)
                    "--endpoint-reconciler-type", "none",
                    "--cert-dir", certs.toString(),
                    "--authorization-mode", "RBAC", "--token-auth-file", tokens.toString(),
                    "--service-account-issuer", "https://kubernetes.default.svc",
                    "--service-account-key-file", verifyingKey.toString(), "--service-account-signing-key-file", signingKey.toString(),
                    "--service-cluster-ip-range", "10.96.0.0/16", "--allow-privileged=false", "--v", "1");
            plane.awaitReady(apiPort);
            plane.caData = Base64.getEncoder().encodeToString(Files.readAllBytes(certs.resolve("apiserver.crt")));
            Path adminConfig = plane.kubeconfig("admin", adminToken, "default");
            plane.launch("kube-controller-manager", bin.resolve("kube-controller-manager").toString(),
                    "--kubeconfig", adminConfig.toString(), "--controllers", "garbagecollector", "--leader-elect=false",
                    "--secure-port", "0", "--v", "1");
            plane.installCrd();
            return plane;
        } catch (RuntimeException | IOException e) {
            plane.close();
            throw e;
        }
    }

    private void launch(String name, String... command) throws IOException {
        Path log = dir.resolve(name + ".log");
        processes.put(name, new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }

    /** Polls {@code /readyz} (any 200 answer, self-signed certificate accepted: nothing secret is sent). */
    private void awaitReady(int port) {
        HttpClient http = HttpClient.newBuilder().sslContext(trustAll()).connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest readyz = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/readyz")).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + adminToken).build();
        Poll.until("kube-apiserver to be ready (its log: " + dir.resolve("kube-apiserver.log") + ")", START_LIMIT, () -> {
            processes.forEach((name, p) -> {
                if (!p.isAlive()) {
                    throw new IllegalStateException(name + " exited " + p.exitValue() + "; the end of its log:\n" + logTail(name));
                }
            });
            try {
                return http.send(readyz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    private void installCrd() throws IOException {
        try (InputStream yaml = Files.newInputStream(VMI_CRD)) {
            CustomResourceDefinition crd = admin().apiextensions().v1().customResourceDefinitions().load(yaml).create();
            var resource = admin().apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName());
            Poll.until("the VirtualMachineInstance CRD to be established", START_LIMIT, () -> {
                var status = resource.get().getStatus();
                return status != null && status.getConditions() != null
                        && status.getConditions().stream().anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
            });
        }
    }

    /** A client with cluster-admin rights: for the test's own setup and checks, never for the backend under test. */
    public synchronized KubernetesClient admin() {
        if (admin == null) {
            admin = client(kubeconfigText("admin", adminToken, "default"));
        }
        return admin;
    }

    public String server() {
        return server;
    }

    /** A cluster-admin kubeconfig (0600): for the test's fixtures (the virt-handler stand-in), never for the backend under test. */
    public Path adminKubeconfig(String namespace) throws IOException {
        return kubeconfig("admin", adminToken, namespace);
    }

    /** A kubeconfig (0600) for {@code user} with {@code token}, trusting the API server's own certificate. */
    public Path kubeconfig(String user, String token, String namespace) throws IOException {
        return write(dir.resolve(user.replaceAll("[^A-Za-z0-9-]", "_") + ".kubeconfig"), kubeconfigText(user, token, namespace));
    }

    private String kubeconfigText(String user, String token, String namespace) {
        String ca = caData == null ? "    insecure-skip-tls-verify: true\n" : "    certificate-authority-data: " + caData + "\n";
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: it
                  cluster:
                    server: %s
                %scontexts:
                - name: it
                  context:
                    cluster: it
                    user: %s
                    namespace: %s
                current-context: it
                users:
                - name: %s
                  user:
                    token: %s
                """.formatted(server, ca, user, namespace, user, token);
    }

    static KubernetesClient client(String kubeconfig) {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
    }

    /** Creates {@code namespace} and applies the documented ServiceAccount, Role and RoleBinding in it. */
    public void namespaceWithDocumentedRbac(String namespace) throws IOException {
        admin().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
        try (InputStream yaml = Files.newInputStream(RBAC)) {
            for (HasMetadata item : admin().load(yaml).items()) {
                admin().resource(item).inNamespace(namespace).create();
            }
        }
    }

    /**
     * A kubeconfig for the documented ServiceAccount {@code sandboxer} in {@code namespace}: a real bound token from the
     * TokenRequest API, so the backend is exactly as privileged as the Role, never admin.
     */
    public Path serviceAccountKubeconfig(String namespace) throws IOException {
        var request = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(7200L).endSpec().build();
        String token = admin().serviceAccounts().inNamespace(namespace).withName("sandboxer").tokenRequest(request).getStatus().getToken();
        return kubeconfig("system:serviceaccount:" + namespace + ":sandboxer", token, namespace);
    }

    /** The documented Role as the API server holds it. */
    public Role role(String namespace) {
        return admin().rbac().roles().inNamespace(namespace).withName("sandboxer-kubevirt").get();
    }

    /** Replaces the Role's rules and waits until the API server's authorizer answers for {@code probe} as expected. */
    public void setRules(String namespace, List<PolicyRule> rules, KubernetesClient asServiceAccount, String group, String resource, String verb,
            boolean allowedAfter) {
        Role role = role(namespace);
        role.setRules(rules);
        role.getMetadata().setResourceVersion(null);
        admin().rbac().roles().inNamespace(namespace).resource(role).update();
        Poll.until("RBAC to " + (allowedAfter ? "allow " : "refuse ") + verb + " " + resource, Duration.ofSeconds(30),
                () -> allowed(asServiceAccount, namespace, group, resource, verb) == allowedAfter);
    }

    /** What the API server's authorizer says now, asked as the ServiceAccount itself (SelfSubjectAccessReview). */
    static boolean allowed(KubernetesClient as, String namespace, String group, String resource, String verb) {
        var review = new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes()
                .withNamespace(namespace).withGroup(group).withResource(resource).withVerb(verb).endResourceAttributes().endSpec().build();
        return as.authorization().v1().selfSubjectAccessReview().create(review).getStatus().getAllowed();
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        List<Process> started = new ArrayList<>(processes.values());
        for (Process p : started.reversed()) {
            p.destroy();
        }
        for (Process p : started) {
            try {
                if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The tail of a component's log, for a failure message. */
    public String logTail(String component) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve(component + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static java.security.KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** Writes {@code text} to a file only its owner can read: tokens and keys are secrets. */
    private static Path write(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(file, text);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static SSLContext trustAll() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) { }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) { }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
