package io.sandboxer.backend.libvirt;

/** How the rendered bootstrap is attached to the domain. */
sealed interface BootstrapAttachment {

    /** No bootstrap (an image that needs none). */
    record None() implements BootstrapAttachment {
    }

    /** Ignition through QEMU fw_cfg: {@code <sysinfo type='fwcfg'><entry name=key file=path/>}; path is on the hypervisor host. */
    record FwCfg(String key, String hostPath) implements BootstrapAttachment {
    }

    /** A NoCloud seed ISO as a read-only CD-ROM from a pool volume. */
    record CdromVolume(String pool, String volume) implements BootstrapAttachment {
    }

    /** A NoCloud seed ISO as a read-only CD-ROM from a file on the hypervisor host. */
    record CdromFile(String hostPath) implements BootstrapAttachment {
    }
}
