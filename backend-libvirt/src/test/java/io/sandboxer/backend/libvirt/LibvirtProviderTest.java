package io.sandboxer.backend.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.startsWith;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.spy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.core.access.CredentialChoice;
import io.sandboxer.core.access.GuestAccess;
import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.bootstrap.GuestUser;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.bootstrap.UserPassword;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.lifecycle.Deadline;
import io.sandboxer.core.lifecycle.GarbageCollector;
import io.sandboxer.core.lifecycle.ProgressListener;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.ImageRef;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.model.ResourceRequirement;
import io.sandboxer.core.model.Resources;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxAccess;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.GarbageQuery;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxNotFoundException;
import io.sandboxer.core.testing.BootstrapFixtures;
import io.sandboxer.core.testing.Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.mockito.Mockito;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** The provider on libvirt's in-process test driver: real libvirt, no hypervisor. */
class LibvirtProviderTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final String NAME = "gitlab-runner-20261122-100000-20261122-100000-0a1b2c";
    @TempDir
    Path dir;
    private LibvirtConnection connection;
    private LibvirtProvider provider;

    private LibvirtProvider open(TestDriver.Config config) {
        connection = new LibvirtConnection(config.settings().uri());
        provider = new LibvirtProvider(config.settings(), config.group(), connection, Clock.fixed(NOW, ZoneOffset.UTC));
        return provider;
    }

    @AfterEach
    void close() {
        if (provider != null) {
            provider.close();
        }
    }

    private static SandboxSpec spec(String name) {
        GuestUser core = new GuestUser("core", new UserPassword.Hashed(Secret.of(BootstrapFixtures.SHA512_HASH)),
                List.of(Keys.load("openssh_ed25519").authorizedKeysLine()), List.of(), null, false);
        return SandboxSpec.builder(name)
                .bootstrap(BootstrapSpec.linux(name, List.of(core)))
                .access(SandboxAccess.ssh("core", new Credential.PrivateKey(Keys.load("openssh_ed25519"))))
                .labels(Map.of("job", "42", "odd", "<a & \"b\">"))
                .ttl(Duration.ofHours(3))
                .build();
    }

    /** The domain XML as libvirt stores it, read back over the same connection. */
    private Document domainXml(String name) {
        return Xml.parse(connection.call("dump", c -> {
            Domain d = c.domainLookupByName(name);
            try {
                return d.getXMLDesc(0);
            } finally {
                d.free();
            }
        }));
    }

    private String volumeXml(String name) {
        return connection.call("vol", c -> {
            StoragePool pool = c.storagePoolLookupByName("pool");
            try {
                return pool.storageVolLookupByName(name).getXMLDesc(0);
            } finally {
                pool.free();
            }
        });
    }

    private boolean volumeExists(String name) {
        return connection.call("vol", c -> {
            StoragePool pool = c.storagePoolLookupByName("pool");
            try {
                return List.of(pool.listVolumes()).contains(name);
            } finally {
                pool.free();
            }
        });
    }

    private boolean domainExists(String name) {
        return connection.call("exists", c -> List.of(c.listDefinedDomains()).contains(name)
                || Arrays.stream(c.listDomains()).anyMatch(id -> {
                    try {
                        return c.domainLookupByID(id).getName().equals(name);
                    } catch (LibvirtException e) {
                        return false;
                    }
                }));
    }

    @Test
    void createDefinesAndStartsADomainWithEverythingTheGoPluginDocuments() throws Exception {
        open(TestDriver.config(dir, j -> j.put("machine_type", "q35").put("disk_size_gib", 5).put("vcpu_count", 3)));
        Sandbox sandbox = provider.create(spec(NAME));
        assertEquals(SandboxState.RUNNING, sandbox.state());
        assertEquals(NOW.plus(Duration.ofHours(3)), sandbox.expiresAt());

        Element domain = domainXml(NAME).getDocumentElement();
        assertEquals(NAME, Xml.child(domain, "name").orElseThrow().getTextContent());
        assertEquals("3", Xml.child(domain, "vcpu").orElseThrow().getTextContent());
        assertEquals(String.valueOf(512 * 1024), Xml.child(domain, "memory").orElseThrow().getTextContent(), "KiB as libvirt stores it");
        assertEquals("q35", Xml.path(domain, "os", "type").orElseThrow().getAttribute("machine"));
        Element disk = Xml.path(domain, "devices", "disk").orElseThrow();
        assertEquals("pool", Xml.child(disk, "source").orElseThrow().getAttribute("pool"));
        assertEquals(NAME + ".qcow2", Xml.child(disk, "source").orElseThrow().getAttribute("volume"));
        assertEquals("virtio", Xml.child(disk, "target").orElseThrow().getAttribute("bus"));
        Element nic = Xml.path(domain, "devices", "interface").orElseThrow();
        assertEquals("52:54:00:0a:1b:2c", Xml.child(nic, "mac").orElseThrow().getAttribute("address"), "MAC from the name suffix");
        assertEquals("virtio", Xml.child(nic, "model").orElseThrow().getAttribute("type"));
        assertEquals("default", Xml.child(nic, "source").orElseThrow().getAttribute("network"));
        Element devices = Xml.child(domain, "devices").orElseThrow();
        assertFalse(Xml.children(devices, "serial").isEmpty(), "serial console");
        assertEquals("org.qemu.guest_agent.0", Xml.child(Xml.child(devices, "channel").orElseThrow(), "target").orElseThrow().getAttribute("name"));
        assertEquals("virtio", Xml.child(devices, "rng").orElseThrow().getAttribute("model"));

        Element entry = Xml.path(domain, "sysinfo", "entry").orElseThrow();
        assertEquals("opt/org.flatcar-linux/config", entry.getAttribute("name"));
        Path ign = dir.resolve("state").resolve(NAME + ".ign");
        assertEquals(ign.toString(), entry.getAttribute("file"));
        assertTrue(Files.readString(ign).contains("\"passwordHash\""), "the rendered Ignition config");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(ign)), "0640, QEMU's group");
        Path access = dir.resolve("state").resolve(NAME + ".access.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(access)));

        DomainMetadata metadata = DomainXml.readMetadata(connection.call("x", c -> c.domainLookupByName(NAME).getXMLDesc(0))).orElseThrow();
        assertEquals("gitlab-runner", metadata.group());
        assertEquals(NOW, metadata.createdAt());
        assertEquals(NOW, metadata.generation());
        assertEquals(NOW.plus(Duration.ofHours(3)), metadata.expiresAt());
        assertEquals("<a & \"b\">", metadata.labels().get("odd"), "label values are escaped by the XML writer and read back");

        String overlay = volumeXml(NAME + ".qcow2");
        assertTrue(overlay.contains("<backingStore>") && overlay.contains("/pool/base.qcow2"), overlay);
        assertTrue(overlay.contains(String.valueOf(5L << 30)), "capacity grown to disk_size_gib: " + overlay);
    }


    @Test
    void aNameWithoutTheFleetSuffixGetsAFreshMacEachTime() {
        // A reused name (a retried custom-executor prepare) must not inherit a lease libvirt still holds for the old MAC.
        String first = LibvirtProvider.macFor("sandboxer-j42-0123abcd");
        String second = LibvirtProvider.macFor("sandboxer-j42-0123abcd");
        assertTrue(first.matches("52:54:00(:[0-9a-f]{2}){3}"), first);
        assertNotEquals(first, second);
    }
    @Test
    void noSecretReachesTheDomainXml() {
        open(TestDriver.config(dir));
        provider.create(spec(NAME));
        String xml = connection.call("x", c -> c.domainLookupByName(NAME).getXMLDesc(0));
        assertFalse(xml.contains("$6$"), "no password hash");
        assertFalse(xml.contains("PRIVATE KEY"), "no private key");
        assertFalse(xml.contains(Keys.load("openssh_ed25519").publicKey().authorizedKeysLine().split(" ")[1]), "not even public keys");
    }

    @Test
    void fedoraCoreOsKeyIsSelectable() {
        open(TestDriver.config(dir, j -> j.put("fw_cfg_key", "opt/com.coreos/config")));
        provider.create(spec(NAME));
        assertEquals("opt/com.coreos/config", Xml.path(domainXml(NAME).getDocumentElement(), "sysinfo", "entry").orElseThrow().getAttribute("name"));
    }

    @Test
    void cloudInitGoesOnACdromSeed() throws Exception {
        open(TestDriver.config(dir, j -> j.put("bootstrap_format", "cloud-init").put("machine_type", "pc")));
        provider.create(spec(NAME));
        Element domain = domainXml(NAME).getDocumentElement();
        Element cdrom = Xml.children(Xml.child(domain, "devices").orElseThrow(), "disk").stream()
                .filter(d -> "cdrom".equals(d.getAttribute("device"))).findFirst().orElseThrow();
        Path iso = dir.resolve("state").resolve(NAME + "-cidata.iso");
        assertEquals(iso.toString(), Xml.child(cdrom, "source").orElseThrow().getAttribute("file"));
        assertEquals("ide", Xml.child(cdrom, "target").orElseThrow().getAttribute("bus"));
        byte[] bytes = Files.readAllBytes(iso);
        assertEquals("CD001", new String(bytes, 0x8001, 5, StandardCharsets.US_ASCII), "an ISO 9660 image");
        assertEquals("cidata", new String(bytes, 0x8028, 6, StandardCharsets.US_ASCII).toLowerCase(), "volume label cidata");
        assertTrue(Xml.path(domain, "sysinfo").isEmpty(), "no fw_cfg for cloud-init");
        assertFalse(Files.exists(NoCloudSeed.workDir(dir.resolve("state"), NAME)), "the seed's parts are gone once it is built");
    }

    /** A process killed while building the seed leaves its parts (user-data holds the host key) under state_dir: delete finds them. */
    @Test
    void aSeedBuildCutShortIsRemovedWithItsSandbox() throws Exception {
        open(TestDriver.config(dir, j -> j.put("bootstrap_format", "cloud-init")));
        provider.create(spec(NAME));
        Path work = Files.createDirectories(NoCloudSeed.workDir(dir.resolve("state"), NAME));
        Files.writeString(work.resolve("user-data"), "#cloud-config\n");
        assertTrue(provider.delete(NAME));
        assertFalse(Files.exists(work), "the half-built seed's parts are removed");
        assertFalse(provider.delete(NAME), "and delete stays idempotent");
    }

    @Test
    void directKernelBoot() {
        open(TestDriver.config(dir, j -> j.putObject("boot").put("kernel", "/boot/vmlinuz").put("initrd", "/boot/initrd.img")
                .put("cmdline", "root=/dev/vda rw console=ttyS0")));
        provider.create(spec(NAME));
        Element os = Xml.child(domainXml(NAME).getDocumentElement(), "os").orElseThrow();
        assertEquals("/boot/vmlinuz", Xml.child(os, "kernel").orElseThrow().getTextContent());
        assertEquals("/boot/initrd.img", Xml.child(os, "initrd").orElseThrow().getTextContent());
        assertEquals("root=/dev/vda rw console=ttyS0", Xml.child(os, "cmdline").orElseThrow().getTextContent());
    }

    @Test
    void specResourcesOverrideSettings() {
        open(TestDriver.config(dir));
        SandboxSpec spec = SandboxSpec.builder(NAME).resources(new Resources(ResourceRequirement.of(Quantity.parse("1500m")),
                ResourceRequirement.of(Quantity.parse("1Gi")), null)).build();
        provider.create(spec);
        Element domain = domainXml(NAME).getDocumentElement();
        assertEquals("2", Xml.child(domain, "vcpu").orElseThrow().getTextContent(), "1.5 cores round up");
        assertEquals(String.valueOf(1024 * 1024), Xml.child(domain, "memory").orElseThrow().getTextContent());
    }

    @Test
    void deleteRemovesEverythingAndIsIdempotent() {
        open(TestDriver.config(dir));
        provider.create(spec(NAME));
        assertTrue(provider.delete(NAME));
        assertFalse(domainExists(NAME));
        assertFalse(volumeExists(NAME + ".qcow2"));
        assertFalse(Files.exists(dir.resolve("state").resolve(NAME + ".ign")));
        assertFalse(Files.exists(dir.resolve("state").resolve(NAME + ".access.json")));
        assertFalse(provider.delete(NAME), "deleting again finds nothing and is no error");
        assertTrue(provider.get(NAME).isEmpty());
        assertThrows(SandboxNotFoundException.class, () -> provider.connectInfo(NAME));
    }

    @Test
    void listAndDeleteGoByMetadataNotByName() throws Exception {
        open(TestDriver.config(dir));
        provider.create(spec(NAME));
        // A domain with our naming but no sandboxer metadata, and one of another group.
        String foreign = "gitlab-runner-20261122-100000-20261122-100000-ffffff";
        connection.call("define foreign", c -> {
            c.domainDefineXML("<domain type='test'><name>" + foreign + "</name><memory>1024</memory><os><type>hvm</type></os></domain>").free();
            return null;
        });
        var otherGroup = new LibvirtProvider(TestDriver.config(dir, j -> j.put("group", "other")).settings(), TestDriver.config(dir, j -> j.put("group", "other")).group(), connection, Clock.systemUTC());
        assertEquals(List.of(NAME), provider.list().stream().map(Sandbox::id).toList());
        assertTrue(otherGroup.list().isEmpty(), "another group sees nothing of ours");
        assertFalse(provider.delete(foreign), "not ours: left alone");
        assertTrue(domainExists(foreign));
        assertFalse(otherGroup.delete(NAME));
        assertTrue(domainExists(NAME));
    }

    @Test
    void aRestartedProviderFindsTheGroupAgain() {
        // test:///default keeps its state while any connection is open, like a libvirtd outliving the plugin.
        TestDriver.Config config = TestDriver.config(dir, j -> j.put("uri", "test:///default").put("pool_name", "default-pool")
                .put("group", "restart-" + System.nanoTime()).put("bootstrap_format", "ignition"));
        LibvirtConnection keepAlive = new LibvirtConnection("test:///default");
        try {
            keepAlive.call("base", c -> {
                StoragePool pool = c.storagePoolLookupByName("default-pool");
                try {
                    pool.storageVolCreateXML("<volume><name>base.qcow2</name><capacity unit='GiB'>1</capacity>"
                            + "<target><format type='qcow2'/></target></volume>", 0).free();
                } catch (LibvirtException e) {
                    // already there from another test
                }
                pool.free();
                return null;
            });
            var first = LibvirtProviderFactory.open(config.settings(), config.group(), Clock.systemUTC());
            first.create(spec(NAME));
            first.close();
            var second = LibvirtProviderFactory.open(config.settings(), config.group(), Clock.systemUTC());
            try {
                assertEquals(List.of(NAME), second.list().stream().map(Sandbox::id).toList());
                assertTrue(second.delete(NAME));
            } finally {
                second.close();
            }
        } finally {
            keepAlive.close();
        }
    }

    @Test
    void connectInfoFindsTheAddressFromEachSourceAndReturnsStoredCredentials() {
        for (String source : List.of("auto", "lease", "agent", "arp")) {
            Path sub = dir.resolve(source);
            open(TestDriver.config(sub, j -> j.put("address_source", source)));
            provider.create(spec(NAME));
            ConnectInfo info = provider.connectInfo(NAME);
            assertTrue(info.address().startsWith("192.168.122."), source + ": " + info.address());
            assertEquals("core", info.user());
            assertEquals(22, info.port());
            assertTrue(info.credential() instanceof Credential.PrivateKey k && k.key().publicKey().equals(Keys.load("openssh_ed25519").publicKey()));
            provider.close();
            provider = null;
        }
    }

    @Test
    void theHostKeyGuestAccessMintsIsInstalledAndPinned() throws Exception {
        open(TestDriver.config(dir));
        var access = new GuestAccess().plan(GuestAccess.Request.ssh(OsFamily.LINUX, "core", 22, CredentialChoice.key(Keys.load("openssh_ed25519"))));
        provider.create(SandboxSpec.builder(NAME).bootstrap(access.bootstrap(NAME)).access(access.access()).build());
        ConnectInfo info = provider.connectInfo(NAME);
        assertEquals(access.access().hostKey(), info.hostKey(), "the key GuestAccess minted is the one pinned");
        assertNotNull(info.hostKey(), "the generated host key is pinned");
        String ignition = Files.readString(dir.resolve("state").resolve(NAME + ".ign"));
        String pub = info.hostKey().authorizedKeysLine() + "\n";
        assertTrue(ignition.contains(Base64.getEncoder().encodeToString(pub.getBytes(StandardCharsets.UTF_8))),
                "the Ignition config installs the same key as /etc/ssh/ssh_host_ed25519_key.pub");
    }

    @Test
    void garbageCollectionRemovesExpiredSandboxesAndOrphansOfDeadDomains() throws Exception {
        open(TestDriver.config(dir));
        provider.create(spec(NAME)); // expires three hours after NOW, long past
        String crashed = "gitlab-runner-20261122-100000-20261122-100000-0c0c0c";
        provider.create(SandboxSpec.builder(crashed).bootstrap(spec(crashed).bootstrap()).access(spec(crashed).access()).build());
        // A process that died half-way through a delete: the domain is gone, its volume and files are not.
        connection.call("crash", c -> {
            Domain d = c.domainLookupByName(crashed);
            d.destroy();
            d.undefine();
            return null;
        });
        var dry = new GarbageCollector(provider, Clock.systemUTC()).collect(null, true);
        assertEquals(List.of(NAME), dry.expiredSandboxes());
        assertEquals(List.of(crashed), dry.orphans());
        assertTrue(volumeExists(crashed + ".qcow2") && domainExists(NAME), "a dry run deletes nothing");

        var real = new GarbageCollector(provider, Clock.systemUTC()).collect(null, false);
        assertEquals(List.of(NAME), real.expiredSandboxes());
        assertEquals(List.of(crashed), real.orphans());
        assertFalse(domainExists(NAME));
        assertFalse(volumeExists(crashed + ".qcow2"));
        assertFalse(Files.exists(dir.resolve("state").resolve(crashed + ".ign")));
        assertFalse(Files.exists(dir.resolve("state").resolve(crashed + ".access.json")));
        assertTrue(volumeExists("base.qcow2"), "the base is never touched");
    }

    /** A custom-executor {@code prepare} killed after its overlay: {@code gc} names that adapter's prefix and finds it. */
    @Test
    void garbageCollectionFindsLeftoversOfAnotherPrefixWhenAskedAndSparesYoungOnes() throws Exception {
        open(TestDriver.config(dir));
        String job = "sandboxer-j77-0123456789ab";
        provider.create(SandboxSpec.builder(job).bootstrap(spec(job).bootstrap()).access(spec(job).access()).build());
        connection.call("crash", c -> {
            Domain d = c.domainLookupByName(job);
            d.destroy();
            d.undefine();
            return null;
        });
        assertEquals(List.of(), new GarbageCollector(provider, Clock.systemUTC()).collect(null, false).orphans(), "the Fleeting prefix alone does not match it");
        var young = new GarbageCollector(provider, Clock.systemUTC()).collect(new GarbageQuery(null, false, Set.of("sandboxer-j"), Duration.ofMinutes(10)));
        assertEquals(List.of(), young.orphans(), "of unknown or recent age: a prepare may be under way");
        assertTrue(volumeExists(job + ".qcow2"));

        var old = new GarbageCollector(provider, Clock.systemUTC()).collect(new GarbageQuery(null, false, Set.of("sandboxer-j"), Duration.ZERO));
        assertEquals(List.of(job), old.orphans());
        assertFalse(volumeExists(job + ".qcow2"));
        assertFalse(Files.exists(dir.resolve("state").resolve(job + ".access.json")));
    }

    @Test
    void aVolumesChangeTimeIsReadFromItsTimestamps() {
        assertEquals(Instant.ofEpochSecond(1764590000, 120000000), VolumeXml.changedAt(
                "<volume><target><path>/p/v</path><timestamps><atime>1.0</atime><mtime>1764590000.12</mtime></timestamps></target></volume>"));
        assertNull(VolumeXml.changedAt("<volume><target><path>/dev/vg/v</path></target></volume>"), "a pool type without timestamps");
    }

    @Test
    void awaitConnectInfoFailsFastForAStoppedDomain() {
        open(TestDriver.config(dir));
        provider.create(spec(NAME));
        connection.call("stop", c -> {
            c.domainLookupByName(NAME).destroy();
            return null;
        });
        assertEquals(SandboxState.FAILED, provider.get(NAME).orElseThrow().state());
        SandboxException e = assertThrows(SandboxException.class,
                () -> Readiness.addressOnly().await(provider, NAME, Deadline.after(Duration.ofMinutes(5), Clock.systemUTC()), ProgressListener.SILENT));
        assertTrue(e.getMessage().contains("is not running"), e.getMessage());
    }

    @Test
    void openedForExistingSandboxesItDeletesThemWithoutTheChecksOnlyCreatingNeeds() {
        open(TestDriver.config(dir));
        provider.create(spec(NAME));
        // The operator is replacing the base image, and a boot kernel and the CA file are gone too: cleanup must still work.
        TestDriver.Config broken = TestDriver.config(dir, j -> j.put("base_volume_name", "nope.qcow2").put("ca_certificates_path", "/nonexistent/ca.pem")
                .set("boot", new ObjectMapper().createObjectNode().put("kernel", "/nonexistent/vmlinuz").put("cmdline", "console=ttyS0")));
        LibvirtProvider existing = new LibvirtProvider(broken.settings(), broken.group(), connection, Clock.fixed(NOW, ZoneOffset.UTC), true);
        assertTrue(existing.get(NAME).isPresent());
        assertEquals(List.of(NAME), existing.list().stream().map(Sandbox::id).toList());
        assertThrows(IllegalStateException.class, () -> existing.create(spec("sbx-other")), "it creates nothing");
        assertTrue(existing.delete(NAME));
        assertTrue(provider.get(NAME).isEmpty());
        assertFalse(existing.delete(NAME), "idempotent");
    }

    @Test
    void baseVolumeIsCheckedAtStart() {
        var missing = assertThrows(SandboxException.class, () -> open(TestDriver.config(dir, j -> j.put("base_volume_name", "nope.qcow2"))));
        assertTrue(missing.getMessage().contains("base_volume_name \"nope.qcow2\" in pool pool does not exist"), missing.getMessage());
        var raw = assertThrows(SandboxException.class, () -> open(TestDriver.config(dir, j -> j.put("base_volume_name", "raw.img"))));
        assertTrue(raw.getMessage().contains("is raw, but the base must be qcow2"), raw.getMessage());
        var byPath = open(TestDriver.config(dir, j -> {
            j.remove("base_volume_name");
            j.put("base_volume_path", "/pool/base.qcow2");
        }));
        assertNotNull(byPath);
        byPath.close();
        provider = null;
        var pool = assertThrows(SandboxException.class, () -> open(TestDriver.config(dir, j -> j.put("pool_name", "nopool"))));
        assertTrue(pool.getMessage().contains("pool_name \"nopool\" is not a storage pool"), pool.getMessage());
        var network = assertThrows(SandboxException.class, () -> open(TestDriver.config(dir, j -> j.put("network_name", "nonet"))));
        assertTrue(network.getMessage().contains("network_name \"nonet\" is not a network"), network.getMessage());
        var unreachable = assertThrows(SandboxException.class, () -> open(TestDriver.config(dir, j -> j.put("uri", "test:///nonexistent/node.xml"))));
        assertTrue(unreachable.getMessage().contains("cannot connect to libvirt at test:///nonexistent/node.xml"), unreachable.getMessage());
    }

    @Test
    void aDuplicateNameIsRefusedWithoutTouchingTheExistingSandbox() {
        open(TestDriver.config(dir));
        provider.create(spec(NAME));
        var e = assertThrows(SandboxException.class, () -> provider.create(spec(NAME)));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertTrue(volumeExists(NAME + ".qcow2"));
        assertTrue(domainExists(NAME));
    }

    /** A job that names another sandbox's overlay as its image is refused before anything is made for it. */
    @Test
    void aSandboxsOwnDiskIsNeverAnImage() {
        open(TestDriver.config(dir));
        provider.create(spec(NAME));
        String thief = "sbx-thief";
        SandboxSpec steal = SandboxSpec.builder(thief).image(new ImageRef.PoolVolume("pool", NAME + ".qcow2"))
                .bootstrap(spec(thief).bootstrap()).access(spec(thief).access()).build();
        var e = assertThrows(SandboxException.class, () -> provider.create(steal));
        assertTrue(e.getMessage().contains("is an overlay of another image"), e.getMessage());
        assertFalse(domainExists(thief));
        assertFalse(volumeExists(thief + ".qcow2"));
        assertTrue(domainExists(NAME) && volumeExists(NAME + ".qcow2"), "the victim is untouched");
    }

    // ---- rollback: a failure at each step removes what the steps before made (fault injected at that call) ----

    private void assertNothingLeft() {
        assertFalse(domainExists(NAME), "domain");
        assertFalse(volumeExists(NAME + ".qcow2"), "overlay volume");
        assertFalse(Files.exists(dir.resolve("state").resolve(NAME + ".ign")), "bootstrap file");
        assertFalse(Files.exists(dir.resolve("state").resolve(NAME + ".access.json")), "credentials file");
    }

    private LibvirtProvider openWithFaultAt(String action) {
        TestDriver.Config config = TestDriver.config(dir);
        connection = spy(new LibvirtConnection(config.settings().uri()));
        doThrow(new SandboxException("injected failure at " + action, false)).when(connection).call(startsWith(action), any());
        provider = new LibvirtProvider(config.settings(), config.group(), connection, Clock.fixed(NOW, ZoneOffset.UTC));
        return provider;
    }

    @Test
    void failureWhileCreatingTheOverlayLeavesNothing() {
        openWithFaultAt("creating overlay volume");
        assertThrows(SandboxException.class, () -> provider.create(spec(NAME)));
        assertNothingLeft();
    }

    @Test
    void failureWhileWritingBootstrapRollsBackTheOverlay() throws Exception {
        open(TestDriver.config(dir));
        Files.writeString(dir.resolve("state"), "a file where the state directory should be");
        assertThrows(SandboxException.class, () -> provider.create(spec(NAME)));
        assertFalse(volumeExists(NAME + ".qcow2"));
        assertFalse(domainExists(NAME));
    }

    @Test
    void failureWhileDefiningRollsBackVolumeBootstrapAndCredentials() {
        openWithFaultAt("defining domain");
        var e = assertThrows(SandboxException.class, () -> provider.create(spec(NAME)));
        assertTrue(e.getMessage().contains("injected failure"), e.getMessage());
        assertNothingLeft();
    }

    @Test
    void failureWhileStartingRollsBackTheDefinitionToo() {
        openWithFaultAt("starting domain");
        assertThrows(SandboxException.class, () -> provider.create(spec(NAME)));
        assertNothingLeft();
    }

    @Test
    void aDeleteThatFailsHalfWayIsFinishedByTheNextDelete() {
        TestDriver.Config config = TestDriver.config(dir);
        connection = spy(new LibvirtConnection(config.settings().uri()));
        provider = new LibvirtProvider(config.settings(), config.group(), connection, Clock.fixed(NOW, ZoneOffset.UTC));
        provider.create(spec(NAME));
        doThrow(new SandboxException("injected failure deleting the overlay", true)).when(connection).call(startsWith("deleting overlay"), any());
        var e = assertThrows(SandboxException.class, () -> provider.delete(NAME));
        assertTrue(e.getMessage().contains("left something behind"), e.getMessage());
        assertFalse(domainExists(NAME), "the domain went");
        assertTrue(volumeExists(NAME + ".qcow2"), "the overlay stayed");
        Mockito.reset(connection);
        assertTrue(provider.delete(NAME), "the retry removes what remained");
        assertNothingLeft();
        assertFalse(provider.delete(NAME));
    }

    @Test
    void aDroppedConnectionIsReopened() throws Exception {
        open(TestDriver.config(dir));
        provider.create(spec(NAME));
        // Close the underlying libvirt connection behind the provider's back, as a libvirtd restart would.
        var field = LibvirtConnection.class.getDeclaredField("connect");
        field.setAccessible(true);
        ((Connect) field.get(connection)).close();
        // A file URI reconnects to a fresh copy of the node: the call succeeds again instead of failing forever.
        assertNotNull(provider.list());
    }
}
