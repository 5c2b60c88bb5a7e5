package io.sandboxer.backend.libvirt;

import io.sandboxer.core.credentials.UriPasswords;
import io.sandboxer.core.provider.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the libvirt backend checks on its host when it opens, before it creates anything (host limits: {@link HostLimits}). */
final class HostChecks {
    private static final Logger LOG = LoggerFactory.getLogger(HostChecks.class);

    private HostChecks() {
    }

    /**
     * Direct boot files on a local hypervisor are checked here; a remote host's paths are its own, and its
     * libvirtd names a missing one when the domain is defined (before it boots).
     */
    static void bootFiles(LibvirtSettings settings) {
        if (settings.boot() == null || !settings.isLocal() || settings.uri().startsWith("test:")) {
            return;
        }
        for (String[] file : new String[][] {{"boot.kernel", settings.boot().kernel()}, {"boot.initrd", settings.boot().initrd()}}) {
            if (file[1] != null && !Files.isRegularFile(Path.of(file[1]))) {
                throw new SandboxException(file[0] + " \"" + file[1] + "\" " + (Files.exists(Path.of(file[1])) ? "is not a file" : "does not exist")
                        + " on this hypervisor host: give the path of the guest's " + file[0].substring(5) + " image", false);
            }
        }
    }

    /** The domain type to define: the setting, with {@code auto} resolved; a {@code kvm} that cannot work is warned about. */
    static String domainType(LibvirtConnection connection, LibvirtSettings settings) {
        if (settings.uri().startsWith("test:")) {
            return "test";
        }
        if (!"auto".equals(settings.domainType())) {
            if ("kvm".equals(settings.domainType()) && !kvmUsable(connection, settings)) {
                LOG.warn("domain_type is kvm, but KVM on {} is not usable (no vmx/svm CPU flag): guests will crawl or fail; "
                        + "set domain_type to \"qemu\" or \"auto\"", UriPasswords.redact(settings.uri()));
            }
            return settings.domainType();
        }
        return kvmUsable(connection, settings) ? "kvm" : "qemu";
    }

    /** Local hypervisors are checked from /dev/kvm and the CPU flags; remote ones from their capabilities XML (slower). */
    private static boolean kvmUsable(LibvirtConnection connection, LibvirtSettings settings) {
        if (settings.isLocal()) {
            return KvmSupport.usableLocally(settings.architecture());
        }
        String capabilities = connection.call("reading hypervisor capabilities", Connect::getCapabilities);
        return KvmSupport.usable(capabilities, settings.architecture());
    }

    /** The pool and the network exist and are active; an error names the setting and the command that fixes it. */
    static void poolAndNetwork(LibvirtConnection connection, LibvirtSettings settings) {
        connection.call("checking pool and network", c -> {
            try {
                StoragePool pool = c.storagePoolLookupByName(settings.poolName());
                try {
                    if (pool.isActive() != 1) {
                        throw new SandboxException("storage pool " + settings.poolName() + " is not active: virsh pool-start " + settings.poolName(), false);
                    }
                } finally {
                    pool.free();
                }
            } catch (LibvirtException e) {
                throw new SandboxException("pool_name \"" + settings.poolName() + "\" is not a storage pool on " + UriPasswords.redact(settings.uri()) + ": "
                        + LibvirtErrors.message(e), false, e);
            }
            try {
                var network = c.networkLookupByName(settings.networkName());
                try {
                    if (network.isActive() != 1) {
                        throw new SandboxException("network " + settings.networkName() + " is not active: virsh net-start " + settings.networkName(), false);
                    }
                } finally {
                    network.free();
                }
            } catch (LibvirtException e) {
                throw new SandboxException("network_name \"" + settings.networkName() + "\" is not a network on " + UriPasswords.redact(settings.uri()) + ": "
                        + LibvirtErrors.message(e), false, e);
            }
            return null;
        });
    }
}
