package io.sandboxer.backend.libvirt;

import io.sandboxer.core.errors.UserMessages;
import io.sandboxer.core.provider.SandboxException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Optional;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.libvirt.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts bootstrap bytes where QEMU can read them: a file under {@code state_dir} (0640, group of the QEMU user)
 * for local hypervisors, or a volume uploaded into the storage pool, which also works when the hypervisor is
 * another machine ({@code qemu+ssh://}). Returns the path on the hypervisor host.
 */
final class BootstrapStore {
    private static final Logger LOG = LoggerFactory.getLogger(BootstrapStore.class);
    private static final int CHUNK = 256 * 1024;

    private final LibvirtConnection connection;
    private final LibvirtSettings settings;
    private final Path stateDir;

    BootstrapStore(LibvirtConnection connection, LibvirtSettings settings) {
        this.connection = connection;
        this.settings = settings;
        this.stateDir = Path.of(settings.stateDir());
    }

    /**
     * For file delivery: makes {@code state_dir} (0750, QEMU's group) and checks that QEMU can reach it, since
     * QEMU opens bootstrap files itself. A private ancestor (say a 0700 home or temp directory) is a clear error
     * at start instead of a "Permission denied" from QEMU at the first boot.
     */
    void prepareStateDir() {
        if (settings.effectiveDelivery() != BootstrapDelivery.FILE || settings.uri().startsWith("test:")) {
            return;
        }
        try {
            // The existing ancestors first: a state_dir under a private directory is refused before it is made.
            Path existing = stateDir.toAbsolutePath();
            while (existing.getParent() != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (Files.exists(existing) && !Files.isDirectory(existing)) {
                throw new SandboxException("state_dir " + stateDir + " cannot be made: " + existing + " is not a directory", false);
            }
            checkQemuCanEnter(existing);
            if (!Files.isDirectory(stateDir)) {
                Files.createDirectories(stateDir);
                Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwxr-x---"));
                Optional<String> group = QemuGroup.name();
                if (group.isPresent()) {
                    Files.getFileAttributeView(stateDir, PosixFileAttributeView.class)
                            .setGroup(stateDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group.get()));
                } else {
                    Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwxr-x--x"));
                }
            }
            checkQemuCanEnter(stateDir.toAbsolutePath());
        } catch (IOException e) {
            throw new SandboxException("cannot prepare state_dir " + stateDir + ": " + UserMessages.of(e), false, e);
        }
    }

    /** {@code dir} and every ancestor must let QEMU pass: by "others" execute, or by QEMU's group. */
    private void checkQemuCanEnter(Path start) throws IOException {
        Optional<String> group = QemuGroup.name();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            var attributes = Files.getFileAttributeView(dir, PosixFileAttributeView.class).readAttributes();
            var perms = attributes.permissions();
            boolean othersMayEnter = perms.contains(PosixFilePermission.OTHERS_EXECUTE);
            boolean qemuGroupMayEnter = group.isPresent() && attributes.group().getName().equals(group.get())
                    && perms.contains(PosixFilePermission.GROUP_EXECUTE);
            if (!othersMayEnter && !qemuGroupMayEnter) {
                throw new SandboxException("state_dir " + stateDir + " cannot be reached by QEMU: " + dir + " is mode "
                        + PosixFilePermissions.toString(perms) + " (owner " + attributes.owner().getName() + ", group "
                        + attributes.group().getName() + "); choose a state_dir QEMU can enter, such as "
                        + LibvirtSettings.DEFAULT_STATE_DIR, false);
            }
        }
    }

    /** The stored bytes: their path on the hypervisor, and whether they are a volume (name) or a local file. */
    record Stored(String hostPath, String volume, String file) {
    }

    Stored store(String name, byte[] bytes, boolean readByQemuDirectly) {
        return settings.effectiveDelivery() == BootstrapDelivery.VOLUME ? upload(name, bytes, readByQemuDirectly) : writeFile(name, bytes);
    }

    private Stored writeFile(String name, byte[] bytes) {
        try {
            Files.createDirectories(stateDir);
            Path file = stateDir.resolve(name);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, bytes);
            Optional<String> group = QemuGroup.name();
            boolean grouped = false;
            if (group.isPresent()) {
                try {
                    GroupPrincipal principal = file.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group.get());
                    Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(principal);
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
                    grouped = true;
                } catch (IOException | UnsupportedOperationException e) {
                    LOG.debug("cannot give {} to group {}: {}", file, group.get(), e.toString());
                }
            }
            if (!grouped) {
                // QEMU must read it; without its group the only way is world-readable. Say so once per file.
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
                LOG.warn("{} is world-readable (0644): no QEMU group could be set; run as root or set state_dir on a host with libvirt-qemu", file);
            }
            return new Stored(file.toString(), null, file.toString());
        } catch (IOException e) {
            throw new SandboxException("cannot write bootstrap file " + name + " under state_dir " + stateDir + ": " + e.getMessage(), false, e);
        }
    }

    private Stored upload(String name, byte[] bytes, boolean readByQemuDirectly) {
        return connection.call("uploading " + name + " into pool " + settings.poolName(), c -> {
            StoragePool pool = c.storagePoolLookupByName(settings.poolName());
            StorageVol vol = null;
            try {
                deleteVolumeQuietly(pool, name);
                // Disks are relabelled for QEMU at start; an fw_cfg file is read by QEMU as it is, so it must be readable.
                String gid = readByQemuDirectly && settings.isLocal() ? localQemuGid().orElse(null) : null;
                String xml = readByQemuDirectly && gid == null ? VolumeXml.raw(name, bytes.length, null) : VolumeXml.raw(name, bytes.length, gid);
                vol = pool.storageVolCreateXML(xml, 0);
                Stream stream = c.streamNew(0);
                try {
                    vol.upload(stream, 0, bytes.length, 0);
                    for (int offset = 0; offset < bytes.length; ) {
                        byte[] chunk = Arrays.copyOfRange(bytes, offset, Math.min(bytes.length, offset + CHUNK));
                        int sent = stream.send(chunk);
                        if (sent <= 0) {
                            throw new SandboxException("upload of " + name + " stalled at byte " + offset, true);
                        }
                        offset += sent;
                    }
                    stream.finish();
                } catch (RuntimeException | LibvirtException e) {
                    stream.abort();
                    vol.delete(0);
                    throw e;
                } finally {
                    stream.free();
                }
                return new Stored(vol.getPath(), name, null);
            } finally {
                if (vol != null) {
                    vol.free();
                }
                pool.free();
            }
        });
    }

    private static Optional<String> localQemuGid() {
        return QemuGroup.name().flatMap(group -> {
            try {
                return Files.readAllLines(Path.of("/etc/group")).stream().map(l -> l.split(":"))
                        .filter(f -> f.length > 2 && f[0].equals(group)).map(f -> f[2]).findFirst();
            } catch (IOException e) {
                return Optional.empty();
            }
        });
    }

    /** Removes a bootstrap volume or file; true when something was there. */
    boolean delete(String volume, String file) {
        boolean removed = false;
        if (volume != null) {
            removed |= connection.call("deleting volume " + volume, c -> {
                StoragePool pool = c.storagePoolLookupByName(settings.poolName());
                try {
                    return deleteVolumeQuietly(pool, volume);
                } finally {
                    pool.free();
                }
            });
        }
        if (file != null) {
            try {
                removed |= Files.deleteIfExists(Path.of(file));
            } catch (IOException e) {
                throw new SandboxException("cannot delete bootstrap file " + file + ": " + e.getMessage(), true, e);
            }
        }
        return removed;
    }

    /** Deletes a volume if it exists; "not found" is fine. */
    static boolean deleteVolumeQuietly(StoragePool pool, String name) throws LibvirtException {
        Optional<StorageVol> found = LibvirtConnection.found(() -> pool.storageVolLookupByName(name));
        if (found.isEmpty()) {
            return false;
        }
        StorageVol vol = found.get();
        try {
            vol.delete(0);
            return true;
        } catch (LibvirtException e) {
            if (LibvirtErrors.isNotFound(e)) {
                return false;
            }
            throw e;
        } finally {
            vol.free();
        }
    }
}
