package io.sandboxer.it.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sandboxer.core.bootstrap.BootstrapRenderers;
import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.bootstrap.GuestFile;
import io.sandboxer.core.bootstrap.GuestUser;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.bootstrap.SshHostKey;
import io.sandboxer.core.bootstrap.UserPassword;
import io.sandboxer.core.credentials.PasswordHashAlgorithm;
import io.sandboxer.core.credentials.PasswordHasher;
import io.sandboxer.core.credentials.RandomPasswords;
import io.sandboxer.core.credentials.SshKeyGenerator;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.lifecycle.AddressAssigned;
import io.sandboxer.core.lifecycle.Backoff;
import io.sandboxer.core.lifecycle.Deadline;
import io.sandboxer.core.lifecycle.ProgressListener;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.lifecycle.SshLogin;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.SandboxAccess;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviders;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshOptions;
import io.sandboxer.core.ssh.SshSession;
import io.sandboxer.core.ssh.SshTarget;
import io.sandboxer.core.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real libvirtd + QEMU (KVM when it really works, TCG otherwise) booting the Debian test guest twice at once:
 * one sandbox bootstrapped by cloud-init from a seed ISO file, one by Ignition through fw_cfg from an uploaded
 * pool volume (the remote-hypervisor path). Each is reached by its DHCP lease and an SSH login with the
 * injected key and pinned host key, checked inside, then deleted without leaving anything behind.
 */
class LibvirtGuestIT {
    private static final Duration BOOT_BUDGET = Duration.ofMinutes(12);
    private static LibvirtHost host;
    /** Under /var/lib, which QEMU can enter (a JUnit temp dir is 0700, and the provider rightly refuses it). */
    private static Path state;

    @BeforeAll
    static void prepareHost() throws IOException {
        host = LibvirtHost.prepare();
        state = Files.createDirectories(Path.of("/var/lib/sandboxer/it-state"));
    }

    private SandboxProvider provider(String format, String delivery, String group) {
        // An Ignition guest has no cloud-init (as on Flatcar): the Debian test image would otherwise regenerate host keys.
        ObjectNode json = host.settings(group, state.resolve(group), "ignition".equals(format) ? " cloud-init=disabled" : "")
                .put("bootstrap_format", format)
                .put("bootstrap_delivery", delivery);
        if ("cloud-init".equals(format)) {
            json.put("ca_certificates_path", TestResources.path("/ca/single.pem").toString());
        }
        return SandboxProviders.create("libvirt", json, "plugin_config");
    }

    record Guest(String name, SandboxProvider provider, SandboxSpec spec, SshPrivateKey key, SshPrivateKey hostKey) {
    }

    private static Guest guest(String name, SandboxProvider provider, String user) {
        SshPrivateKey key = new SshKeyGenerator().generateEd25519();
        SshPrivateKey hostKey = new SshKeyGenerator().generateEd25519();
        var password = new PasswordHasher().hash(new RandomPasswords().next(), PasswordHashAlgorithm.SHA512_CRYPT);
        GuestUser guestUser = new GuestUser(user, new UserPassword.Hashed(password), List.of(key.authorizedKeysLine()), List.of("sudo"),
                "/bin/bash", true);
        BootstrapSpec bootstrap = new BootstrapSpec(OsFamily.LINUX, name, List.of(guestUser), List.of(),
                List.of(GuestFile.text("/etc/sandboxer/marker", "made for " + name + "\n", 0644)), // sudo: the renderers' own rules
                List.of(), List.of(new SshHostKey(hostKey)),
                false);
        SandboxSpec spec = SandboxSpec.builder(name).bootstrap(bootstrap)
                .access(SandboxAccess.ssh(user, new Credential.PrivateKey(key))).build();
        return new Guest(name, provider, spec, key, hostKey);
    }

    /** Creates, waits for lease and SSH (printing progress), and returns a logged-in session. */
    private static SshSession boot(Guest g) {
        Instant start = Instant.now();
        g.provider().create(g.spec());
        Readiness addressThenLogin = new Readiness(List.of(new AddressAssigned(), new SshLogin(SshOptions.DEFAULT.withConnectTimeout(Duration.ofSeconds(5)),
                HostKeyPolicy.pinned(g.hostKey().publicKey()))), Backoff.DEFAULT);
        ConnectInfo info = addressThenLogin.await(g.provider(), g.name(), Deadline.after(BOOT_BUDGET, Clock.systemUTC()), ProgressListener.lines(line -> System.out.printf("[%s] %s%n", g.name(), line)));
        System.out.printf("[%s] lease %s%n", g.name(), info.address());
        SshTarget target = new SshTarget(info.address(), info.port(), info.user(), info.credential(), HostKeyPolicy.pinned(g.hostKey().publicKey()));
        System.out.printf("[%s] SSH login after %d s%n", g.name(), Duration.between(start, Instant.now()).toSeconds());
        return SshSession.connect(target, SshOptions.DEFAULT);
    }

    @Test
    void cloudInitAndIgnitionGuestsBootAreReachedAndLeaveNothingBehind() throws Exception {
        String suffix = Long.toHexString(System.nanoTime() & 0xffffff);
        SandboxProvider cloudInit = provider("cloud-init", "file", "sbx-it-ci");
        SandboxProvider ignition = provider("ignition", "volume", "sbx-it-ign");
        // An earlier run that was killed may have left sandboxes: its groups are this test's, so sweep them first.
        for (SandboxProvider p : List.of(cloudInit, ignition)) {
            p.list().forEach(s -> p.delete(s.id()));
        }
        Guest a = guest("sbx-it-ci-" + suffix, cloudInit, "tester");
        Guest b = guest("sbx-it-ign-" + suffix, ignition, "core");
        var both = Executors.newFixedThreadPool(2); // the common pool has one thread on two cores
        try {
            CompletableFuture<Void> cloudInitChecks = CompletableFuture.runAsync(() -> checkCloudInitGuest(a), both);
            CompletableFuture<Void> ignitionChecks = CompletableFuture.runAsync(() -> checkIgnitionGuest(b), both);
            CompletableFuture.allOf(cloudInitChecks, ignitionChecks).join();

            // libvirtd restarts (an upgrade, a crash): guests keep running, the providers reconnect and find them again.
            host.restartLibvirtd();
            assertEquals(List.of(a.name()), cloudInit.list().stream().map(s -> s.id()).toList());
            assertEquals(List.of(b.name()), ignition.list().stream().map(s -> s.id()).toList());
        } finally {
            both.shutdownNow();
            a.provider().delete(a.name());
            b.provider().delete(b.name());
        }
        assertEquals("", host.leftovers(suffix), "no domain or volume of the test is left");
        try (Stream<Path> files = Files.walk(state)) {
            assertEquals(List.of(), files.filter(Files::isRegularFile).toList(), "no bootstrap or credentials file is left");
        }
        assertTrue(cloudInit.list().isEmpty() && ignition.list().isEmpty());
        cloudInit.close();
        ignition.close();
    }

    private static void checkCloudInitGuest(Guest g) {
        try (SshSession ssh = boot(g)) {
            String status = ssh.execForText("cloud-init status --wait || true");
            assertTrue(status.contains("done"), "cloud-init finished without errors: " + status);
            assertEquals("made for " + g.name() + "\n", ssh.execForText("cat /etc/sandboxer/marker"));
            assertEquals(g.name(), ssh.execForText("hostname").strip());
            assertEquals("root\n", ssh.execForText("sudo -n id -un"), "passwordless sudo");
            String ca = Files.readAllLines(TestResources.path("/ca/single.pem")).get(1);
            assertEquals("1\n", ssh.execForText("grep -c '" + ca + "' /etc/ssl/certs/ca-certificates.crt"), "the extra CA is trusted");
            assertTrue(ssh.execForText("ls /etc/ssh/").contains("ssh_host_ed25519_key"));
        } catch (Exception e) {
            throw new AssertionError(g.name() + ": " + e.getMessage(), e);
        }
    }

    private static void checkIgnitionGuest(Guest g) {
        try (SshSession ssh = boot(g)) {
            byte[] expected = BootstrapRenderers.byFormat("ignition").render(g.spec().bootstrap().withHostname(g.name())).part("config.ign");
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected));
            String inGuest = ssh.execForText("sudo -n sha256sum /sys/firmware/qemu_fw_cfg/by_name/opt/org.flatcar-linux/config/raw");
            assertEquals(sha, inGuest.split(" ")[0], "the fw_cfg blob in the guest is byte-identical to the rendered config");
            assertEquals("made for " + g.name() + "\n", ssh.execForText("cat /etc/sandboxer/marker"));
            assertEquals(g.name(), ssh.execForText("cat /etc/hostname").strip());
        } catch (Exception e) {
            throw new AssertionError(g.name() + ": " + e.getMessage(), e);
        }
    }
}
