package io.sandboxer.backend.libvirt;

import io.sandboxer.core.access.GuestAccess;
import io.sandboxer.core.bootstrap.BootstrapRenderer;
import io.sandboxer.core.bootstrap.BootstrapRenderers;
import io.sandboxer.core.bootstrap.CaCertificate;
import io.sandboxer.core.bootstrap.RenderedBootstrap;
import io.sandboxer.core.credentials.UriPasswords;
import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.group.InstanceName;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.ImageRef;
import io.sandboxer.core.model.Quantity;
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
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Predicate;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.LibvirtException;
import org.libvirt.StorageVol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sandboxes as libvirt domains: a qcow2 overlay over a base volume, bootstrap data through fw_cfg (Ignition)
 * or a NoCloud CD-ROM (cloud-init), a NIC whose MAC comes from the name, and sandboxer's own metadata in the
 * domain XML. Everything this provider lists or deletes is chosen by that metadata's group, not by name.
 */
public final class LibvirtProvider implements SandboxProvider, OrphanCollector, Relabeling {
    private static final SecureRandom MAC_RANDOM = new SecureRandom();
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtProvider.class);
    /** VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | SNAPSHOTS_METADATA: remove the state libvirt manages for the domain. */
    static final int UNDEFINE_FLAGS = 1 | 2;
    /** VIR_DOMAIN_METADATA_ELEMENT, VIR_DOMAIN_AFFECT_LIVE, VIR_DOMAIN_AFFECT_CONFIG. */
    private static final int METADATA_ELEMENT = 2;
    private static final int AFFECT_LIVE = 1;
    private static final int AFFECT_CONFIG = 2;

    private final LibvirtSettings settings;
    private final GroupSettings group;
    /** The group in each domain's metadata: what marks and finds this group's domains. */
    private final String owner;
    private final LibvirtConnection connection;
    private final Clock clock;
    private final Instant generation;
    private final BaseVolume base;
    private final String domainType;
    private final BootstrapRenderer renderer;
    private final BootstrapStore bootstrapStore;
    private final AccessStore accessStore;
    private final HostLimits limits;
    /** The group's CAs ({@code ca_certificates_path}), read at open: a bad path fails before anything is made. */
    private final List<CaCertificate> caCertificates;
    private final boolean existingOnly;

    LibvirtProvider(LibvirtSettings settings, GroupSettings group, LibvirtConnection connection, Clock clock) {
        this(settings, group, connection, clock, false);
    }

    /**
     * {@code existingOnly}: for stages that only use or remove sandboxes (cleanup, gc, run): the base volume, boot
     * files, host limits and CA certificates are not checked (a base image being replaced must not stop a cleanup,
     * and reading the host's capabilities costs time every stage would pay), and {@link #create} refuses.
     */
    LibvirtProvider(LibvirtSettings settings, GroupSettings group, LibvirtConnection connection, Clock clock, boolean existingOnly) {
        this.settings = settings;
        this.group = group;
        this.owner = group.owner();
        this.connection = connection;
        this.clock = clock;
        this.generation = clock.instant();
        this.existingOnly = existingOnly;
        try {
            if (existingOnly) {
                this.base = null;
                this.domainType = null;
                this.limits = null;
                this.caCertificates = List.of();
            } else {
                HostChecks.poolAndNetwork(connection, settings);
                this.base = BaseVolume.check(connection, settings);
                this.domainType = HostChecks.domainType(connection, settings);
                this.limits = HostLimits.read(connection, settings, domainType);
                limits.checkSettings(settings, domainType);
                HostChecks.bootFiles(settings);
                this.caCertificates = group.caCertificates();
            }
            this.renderer = BootstrapRenderers.byFormat(settings.bootstrapFormat());
            this.bootstrapStore = new BootstrapStore(connection, settings);
            if (!existingOnly) {
                bootstrapStore.prepareStateDir();
            }
            this.accessStore = new AccessStore(Path.of(settings.stateDir()));
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
        if (existingOnly) {
            LOG.debug("libvirt backend opened for existing sandboxes: {}", UriPasswords.redact(settings.uri()));
        } else {
            LOG.info("libvirt backend ready: {} pool {} network {} base {} ({} GiB) domain type {}", UriPasswords.redact(settings.uri()),
                    settings.poolName(), settings.networkName(), base.path(), base.capacityBytes() >> 30, domainType);
        }
    }

    public String domainType() {
        return domainType;
    }

    public LibvirtSettings settings() {
        return settings;
    }

    LibvirtConnection connection() {
        return connection;
    }

    @Override
    public Sandbox create(SandboxSpec spec) {
        if (existingOnly) {
            throw new IllegalStateException("this libvirt provider was opened for existing sandboxes only (openExisting): it creates none");
        }
        String name = spec.name();
        Instant created = clock.instant();
        Instant expires = spec.ttl() != null ? created.plus(spec.ttl()) : settings.ttl() != null ? created.plus(settings.ttl()) : null;
        BaseVolume backing = baseFor(name, spec.image());
        limits.checkSandbox(name, (spec.architecture() != null ? spec.architecture() : settings.architecture()).libvirtName(),
                spec.machineType() != null ? spec.machineType() : settings.machineType(), vcpus(spec), memoryMib(spec));
        String overlay = ArtifactNames.overlay(name);
        Rollback done = new Rollback(name);
        try {
            if (exists(name)) {
                throw new SandboxException("a domain named " + name + " already exists on " + UriPasswords.redact(settings.uri()), false);
            }
            RenderedBootstrap rendered = render(spec);
            long capacity = Math.max(backing.capacityBytes(), diskBytes(spec));
            createOverlay(overlay, capacity, backing);
            done.made("overlay volume " + overlay, () -> bootstrapStore.delete(overlay, null));

            BootstrapAttachment attachment = new BootstrapAttachment.None();
            BootstrapStore.Stored stored = null;
            if (rendered != null) {
                boolean ignition = "ignition".equals(renderer.format());
                byte[] bytes = ignition ? rendered.part("config.ign") : NoCloudSeed.build(rendered, Path.of(settings.stateDir()), name);
                String bootstrapName = ArtifactNames.bootstrap(name, ignition);
                stored = bootstrapStore.store(bootstrapName, bytes, ignition);
                BootstrapStore.Stored s = stored;
                done.made("bootstrap " + bootstrapName, () -> bootstrapStore.delete(s.volume(), s.file()));
                attachment = ignition ? new BootstrapAttachment.FwCfg(settings.fwCfgKey(), stored.hostPath())
                        : stored.volume() != null ? new BootstrapAttachment.CdromVolume(settings.poolName(), stored.volume())
                        : new BootstrapAttachment.CdromFile(stored.hostPath());
            }
            if (spec.access() != null) {
                accessStore.save(name, spec.access(), spec.pinnedHostKey());
                done.made("credentials", () -> accessStore.delete(name));
            }
            DomainMetadata metadata = new DomainMetadata(owner, generation, created, expires, spec.labels(), overlay,
                    stored == null ? null : stored.volume(), stored == null ? null : stored.file());
            String xml = DomainXml.render(definition(spec, metadata, overlay, attachment));
            connection.call("defining domain " + name, c -> {
                c.domainDefineXML(xml).free();
                return null;
            });
            done.made("domain definition", () -> destroyAndUndefine(name));
            connection.withDomain("starting domain " + name, name, Domain::create);
            LOG.info("started {} ({} vCPU, {} MiB, {} on {})", name, vcpus(spec), memoryMib(spec), domainType, UriPasswords.redact(settings.uri()));
            return new Sandbox(name, SandboxState.RUNNING, null, null, created, expires, spec.labels(), null);
        } catch (RuntimeException e) {
            done.undo(e);
            throw e instanceof SandboxException ? e : new SandboxException("creating " + name + " failed: " + e.getMessage(), false, e);
        }
    }

    private RenderedBootstrap render(SandboxSpec spec) {
        if (spec.bootstrap() == null) {
            return null;
        }
        return renderer.render(GuestAccess.withGroupCaCertificates(spec.bootstrap().withHostname(spec.name()), caCertificates));
    }

    private BaseVolume baseFor(String name, ImageRef image) {
        if (image == null) {
            return base;
        }
        return switch (image) {
            case ImageRef.PoolVolume v -> BaseVolume.check(connection, v.pool(), v.volume(), null, name);
            case ImageRef.HostPath p -> BaseVolume.check(connection, settings.poolName(), null, p.path(), name);
            case ImageRef.ContainerDisk c -> throw new SandboxException("the libvirt backend boots pool volumes or host paths, not container image "
                    + c.reference(), false);
        };
    }

    private void createOverlay(String overlay, long capacity, BaseVolume backing) {
        connection.withPool("creating overlay volume " + overlay, settings.poolName(), pool -> {
            pool.storageVolCreateXML(VolumeXml.overlay(overlay, capacity, backing.path(), backing.format()), 0).free();
            return null;
        });
    }

    private DomainDefinition definition(SandboxSpec spec, DomainMetadata metadata, String overlay, BootstrapAttachment attachment) {
        String machine = spec.machineType() != null ? spec.machineType() : settings.machineType();
        return new DomainDefinition(spec.name(), UUID.nameUUIDFromBytes(("sandboxer:" + owner + ":" + spec.name()).getBytes(StandardCharsets.UTF_8)),
                metadata, domainType, spec.architecture() != null ? spec.architecture() : settings.architecture(), machine, vcpus(spec),
                memoryMib(spec), settings.boot(), settings.poolName(), overlay, settings.diskBus(), attachment, settings.networkName(),
                macFor(spec.name()), settings.networkModel());
    }

    private int vcpus(SandboxSpec spec) {
        Quantity cpu = spec.resources().cpu().effective();
        return cpu != null ? Math.max(1, cpu.wholeCoresRoundedUp()) : settings.vcpuCount();
    }

    private long memoryMib(SandboxSpec spec) {
        Quantity memory = spec.resources().memory().effective();
        return memory != null ? memory.mebibytesRoundedUp() : settings.memoryMib();
    }

    private long diskBytes(SandboxSpec spec) {
        Quantity disk = spec.resources().disk().effective();
        long gib = disk != null ? disk.gibibytesRoundedUp() : settings.diskSizeGib() == null ? 0 : settings.diskSizeGib();
        return gib << 30;
    }

    /**
     * The Fleet's names carry a random 6-hex suffix, which gives the MAC; any other name gets random bytes. Never a
     * MAC derived from a reusable name: libvirt's DHCP lease outlives the domain, so a custom-executor job whose
     * prepare is retried under the same name would be handed the dead guest's address (seen on a real host).
     */
    static String macFor(String name) {
        return InstanceName.macAddressOf(name).orElseGet(() -> {
            byte[] random = new byte[3];
            MAC_RANDOM.nextBytes(random);
            return "52:54:00:" + HexFormat.ofDelimiter(":").formatHex(random);
        });
    }

    private boolean exists(String name) {
        return lookup(name).isPresent();
    }

    /** The domain and its metadata, when it exists and belongs to this group. */
    private Optional<Owned> lookup(String name) {
        return connection.call("looking up " + name, c -> {
            Optional<Domain> found = LibvirtConnection.found(() -> c.domainLookupByName(name));
            if (found.isEmpty()) {
                return Optional.<Owned>empty();
            }
            return LibvirtConnection.using(found.get(), Domain::free, d -> {
                String xml = d.getXMLDesc(0);
                Optional<DomainMetadata> metadata = DomainXml.readMetadata(xml);
                if (metadata.isEmpty() || !metadata.get().group().equals(owner)) {
                    return Optional.<Owned>empty();
                }
                return Optional.of(new Owned(name, metadata.get(), d.getInfo().state, DomainXml.macAddress(xml).orElse(null)));
            });
        });
    }

    private record Owned(String name, DomainMetadata metadata, DomainInfo.DomainState state, String mac) {
        Sandbox toSandbox(String internalAddress) {
            SandboxState s = DomainStates.of(state);
            String detail = s == SandboxState.FAILED ? DomainStates.detail(state) : null;
            return new Sandbox(name, s, internalAddress, null, metadata.createdAt(), metadata.expiresAt(), metadata.labels(), detail);
        }
    }

    @Override
    public Optional<Sandbox> get(String id) {
        return lookup(id).map(o -> o.toSandbox(null));
    }

    @Override
    public List<Sandbox> list() {
        return connection.call("listing domains", c -> {
            List<Sandbox> result = new ArrayList<>();
            for (Domain d : c.listAllDomains(0)) {
                try {
                    String xml = d.getXMLDesc(0);
                    Optional<DomainMetadata> metadata = DomainXml.readMetadata(xml);
                    if (metadata.isPresent() && metadata.get().group().equals(owner)) {
                        result.add(new Owned(d.getName(), metadata.get(), d.getInfo().state, null).toSandbox(null));
                    }
                } catch (LibvirtException e) {
                    if (!LibvirtErrors.isNotFound(e)) { // a domain undefined while we listed
                        throw e;
                    }
                } finally {
                    d.free();
                }
            }
            return result;
        });
    }

    @Override
    public boolean delete(String id) {
        Optional<Owned> owned = lookup(id);
        List<String> failures = new ArrayList<>();
        boolean removed = false;
        String overlay = owned.map(o -> o.metadata().overlayVolume()).orElse(ArtifactNames.overlay(id));
        String bootstrapVolume = owned.map(o -> o.metadata().bootstrapVolume()).orElse(null);
        String bootstrapFile = owned.map(o -> o.metadata().bootstrapFile()).orElse(null);
        if (owned.isPresent()) {
            try {
                removed |= destroyAndUndefine(id);
            } catch (SandboxException e) {
                failures.add(e.getMessage());
            }
        } else if (existsUnowned(id)) {
            return false; // someone else's domain of that name: not ours to touch
        }
        // Leftovers of a half-finished create or an interrupted delete are found by their names.
        if (owned.isEmpty()) {
            String leftover = ArtifactNames.bootstrap(id, "ignition".equals(renderer.format()));
            bootstrapVolume = settings.effectiveDelivery() == BootstrapDelivery.VOLUME ? leftover : null;
            bootstrapFile = settings.effectiveDelivery() == BootstrapDelivery.FILE
                    ? Path.of(settings.stateDir(), leftover).toString() : null;
        }
        try {
            removed |= deleteOverlayIfOurs(overlay);
        } catch (SandboxException e) {
            failures.add(e.getMessage());
        }
        try {
            removed |= bootstrapStore.delete(bootstrapVolume, bootstrapFile);
        } catch (SandboxException e) {
            failures.add(e.getMessage());
        }
        try {
            removed |= accessStore.delete(id);
        } catch (IOException e) {
            failures.add("credentials file: " + e.getMessage());
        }
        removed |= NoCloudSeed.deleteWork(Path.of(settings.stateDir()), id);
        if (!failures.isEmpty()) {
            throw new SandboxException("deleting " + id + " left something behind (delete again to retry): " + String.join("; ", failures), true);
        }
        if (removed) {
            LOG.info("deleted {}", id);
        }
        return removed;
    }

    private boolean existsUnowned(String id) {
        return connection.call("looking up " + id, c -> {
            Optional<Domain> found = LibvirtConnection.found(() -> c.domainLookupByName(id));
            if (found.isPresent()) {
                found.get().free();
            }
            return found.isPresent();
        });
    }

    private boolean destroyAndUndefine(String id) {
        return connection.call("destroying and undefining " + id, c -> {
            Optional<Domain> found = LibvirtConnection.found(() -> c.domainLookupByName(id));
            if (found.isEmpty()) {
                return false;
            }
            Domain d = found.get();
            try {
                if (d.isActive() == 1) {
                    try {
                        d.destroy();
                    } catch (LibvirtException e) {
                        if (!LibvirtErrors.isNotRunning(e)) {
                            throw e;
                        }
                    }
                }
                d.undefine(UNDEFINE_FLAGS);
                return true;
            } finally {
                d.free();
            }
        });
    }

    /** Deletes the overlay only when its backing store is one of our bases: never a volume that merely shares the name. */
    private boolean deleteOverlayIfOurs(String overlay) {
        return connection.withPool("deleting overlay " + overlay, settings.poolName(), pool -> {
            Optional<StorageVol> found = LibvirtConnection.found(() -> pool.storageVolLookupByName(overlay));
            if (found.isEmpty()) {
                return false;
            }
            StorageVol vol = found.get();
            try {
                boolean backed = Xml.path(Xml.parse(vol.getXMLDesc(0)).getDocumentElement(), "backingStore", "path").isPresent();
                if (!backed) {
                    LOG.warn("volume {} has no backing store, so it is not an overlay sandboxer made; left alone", overlay);
                    return false;
                }
                vol.delete(0);
                return true;
            } finally {
                vol.free();
            }
        });
    }

    /**
     * Labels and expiry are rewritten in the domain's metadata, live and in its definition, under the {@link ClaimLock};
     * a sandbox whose credentials are not in this state directory is not this process's to claim. Without a TTL,
     * gc measures a sandbox's age from its creation, so a claim restarts that clock.
     */
    @Override
    public boolean relabel(String id, LabelChange change) {
        return new ClaimLock(Path.of(settings.stateDir())).holding(() -> {
            Optional<Owned> owned = lookup(id);
            if (owned.isEmpty() || accessStore.load(id).isEmpty()) {
                return false;
            }
            DomainMetadata m = owned.get().metadata();
            if (change.unlessLabelled() != null && m.labels().containsKey(change.unlessLabelled())) {
                return false;
            }
            Map<String, String> labels = new LinkedHashMap<>(m.labels());
            labels.putAll(change.put());
            Instant created = m.createdAt();
            Instant expires = m.expiresAt();
            if (!change.expiry().keeps()) {
                Duration ttl = change.expiry().ttlFromNow(settings.ttl());
                Instant now = clock.instant();
                expires = ttl == null ? null : now.plus(ttl);
                created = ttl == null ? now : created;
            }
            String element = DomainXml.metadataElement(m.relabelled(labels, created, expires));
            return connection.withDomain("relabelling " + id, id, d -> {
                d.setMetadata(METADATA_ELEMENT, element, DomainMetadata.PREFIX, DomainMetadata.NAMESPACE,
                        d.isActive() == 1 ? AFFECT_LIVE | AFFECT_CONFIG : AFFECT_CONFIG);
                return true;
            });
        });
    }

    @Override
    public ConnectInfo connectInfo(String id) {
        Owned owned = lookup(id).orElseThrow(() -> new SandboxNotFoundException(id));
        if (!DomainStates.isRunning(owned.state())) {
            throw new SandboxException(id + " is not running (" + owned.toSandbox(null).detail() + ")",
                    owned.state() == DomainInfo.DomainState.VIR_DOMAIN_NOSTATE);
        }
        List<String> why = new ArrayList<>();
        String address = connection.withDomain("finding the address of " + id, id,
                d -> AddressFinder.find(d, owned.mac(), settings.addressSource(), why).orElse(null));
        if (address == null) {
            throw new SandboxException(id + " has no IP address yet (" + String.join(", ", why) + ")", true);
        }
        SandboxAccess access = accessStore.load(id).orElseThrow(() -> new SandboxException(
                "no credentials are recorded for " + id + " (it was created without access details)", false));
        return new ConnectInfo(id, access.os(), settings.architecture(), access.protocol(), address, address, access.port(), access.user(),
                access.credential(), accessStore.hostKey(id).orElse(null));
    }

    /**
     * Orphans: overlay volumes,
     * bootstrap volumes and files, and credentials files named by this group's prefix (or one the query adds)
     * whose domain no longer exists (a process killed half-way through a create or a delete leaves such things).
     * A leftover younger than the query's grace, or whose age cannot be told, is spared: a create may be under way.
     */
    @Override
    public GarbageReport collectOrphans(GarbageQuery query) {
        Set<String> domains = new HashSet<>(connection.call("listing domains", c -> {
            List<String> names = new ArrayList<>(List.of(c.listDefinedDomains()));
            for (int id : c.listDomains()) {
                Domain d = c.domainLookupByID(id);
                names.add(d.getName());
                d.free();
            }
            return names;
        }));
        Set<String> prefixes = new TreeSet<>(query.namePrefixes());
        prefixes.add(group.prefix() + "-");
        Predicate<String> ours = id -> prefixes.stream().anyMatch(id::startsWith) && !domains.contains(id);
        Instant youngest = clock.instant().minus(query.orphanGrace());
        Map<String, String> failures = new LinkedHashMap<>();
        Map<String, Instant> orphanAges = new TreeMap<>();
        // Per sandbox id, when its newest volume changed (MAX when the pool cannot say: spared under a grace).
        orphanAges.putAll(connection.withPool("listing volumes", settings.poolName(), pool -> {
            Map<String, Instant> changed = new HashMap<>();
            for (String name : pool.listVolumes()) {
                String id = ArtifactNames.sandboxOf(name);
                if (id != null && ours.test(id)) {
                    Instant at = query.orphanGrace().isZero() ? Instant.EPOCH : VolumeXml.changedAt(pool, name);
                    changed.merge(id, at == null ? Instant.MAX : at, LibvirtProvider::later);
                }
            }
            return changed;
        }));
        for (String id : accessStore.ids()) {
            if (ours.test(id)) {
                orphanAges.merge(id, accessStore.changedAt(id), LibvirtProvider::later);
            }
        }
        List<String> orphans = new ArrayList<>();
        orphanAges.forEach((id, changed) -> {
            if (!query.orphanGrace().isZero() && changed.isAfter(youngest)) {
                LOG.info("sparing {}: changed within the last {} or of unknown age (a create may be under way)", id, query.orphanGrace());
                return;
            }
            orphans.add(id);
            if (!query.dryRun()) {
                try {
                    delete(id); // finds leftovers by name; an overlay is removed only when it has a backing store
                } catch (SandboxException e) {
                    failures.put(id, e.getMessage());
                }
            }
        });
        return new GarbageReport(query.dryRun(), List.of(), orphans, failures);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    @Override
    public void checkHealth() {
        connection.call("checking the connection", Connect::getLibVersion);
    }

    @Override
    public void close() {
        connection.close();
    }
}
