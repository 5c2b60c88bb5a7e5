package io.sandboxer.adapter.customexecutor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sandboxer.core.credentials.SshKeyGenerator;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.credentials.SshPublicKey;
import io.sandboxer.core.testing.TestSshServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Plays the guest's first boot the way cloud-init (or Cloudbase-Init) would: reads the user data from the sandbox's
 * Secret, starts a real SSH server with the injected host key on the requested port, and lets the injected key (or
 * the Windows user's password) log in. Its files land under {@code dir/sftp}, the user's home.
 */
final class GuestEmulator implements AutoCloseable {
    private final AtomicReference<TestSshServer> sshd = new AtomicReference<>();
    private final Thread boot;

    GuestEmulator(KubernetesClient client, String namespace, String secretName, int port, Path dir) {
        this(client, namespace, name -> name.equals(secretName), port, dir);
    }

    /** The guest of the first sandbox whose bootstrap Secret's name {@code secretName} accepts (a pool member's name is random). */
    GuestEmulator(KubernetesClient client, String namespace, java.util.function.Predicate<String> secretName, int port, Path dir) {
        boot = Thread.ofVirtual().start(() -> {
            try {
                Secret secret = null;
                while (secret == null && !Thread.currentThread().isInterrupted()) {
                    secret = client.secrets().inNamespace(namespace).list().getItems().stream()
                            .filter(s -> secretName.test(s.getMetadata().getName())).findFirst().orElse(null);
                    if (secret == null) {
                        Thread.sleep(50); // polling the API like a booting guest would wait for its seed
                    }
                }
                if (secret == null) {
                    return;
                }
                JsonNode userData = new YAMLMapper().readTree(new String(Base64.getDecoder().decode(secret.getData().get("userdata")),
                        StandardCharsets.UTF_8).replaceFirst("^#cloud-config\n", ""));
                // Windows (Cloudbase-Init): no host key is injected and the password is plain; Linux: both injected.
                boolean windows = userData.has("set_hostname");
                String hostKey = userData.at("/ssh_keys/ed25519_private").asText(null);
                String user = userData.at("/users/0/name").asText();
                Files.createDirectories(dir.resolve("sftp"));
                TestSshServer server = TestSshServer.start(user, windows ? userData.at("/users/0/passwd").asText() : null, dir.resolve("sftp"),
                        hostKey == null ? new SshKeyGenerator().generateEd25519().keyPair()
                                : SshPrivateKey.parse(io.sandboxer.core.credentials.Secret.of(hostKey), null, "injected host key").keyPair(), port);
                for (JsonNode key : userData.at("/users/0/ssh_authorized_keys")) {
                    server.authorize(SshPublicKey.parse(key.asText()).toPublicKey());
                }
                sshd.set(server);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                e.printStackTrace(); // a virtual thread's exception would otherwise vanish, and the test just time out
                throw new IllegalStateException("the emulated guest could not boot", e);
            }
        });
    }

    @Override
    public void close() throws Exception {
        boot.interrupt();
        boot.join(5000);
        TestSshServer server = sshd.get();
        if (server != null) {
            server.close();
        }
    }
}
