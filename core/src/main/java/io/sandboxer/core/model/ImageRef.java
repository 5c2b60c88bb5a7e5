package io.sandboxer.core.model;

import java.util.Objects;

/** Where a sandbox's disk comes from; each backend accepts the kinds it can boot. */
public sealed interface ImageRef {

    /** How a user writes it: the reference, {@code pool/volume} or the path (for progress lines and messages). */
    default String display() {
        return switch (this) {
            case ContainerDisk c -> c.reference();
            case PoolVolume v -> "volume " + v.volume() + " in pool " + v.pool();
            case HostPath p -> p.path();
        };
    }

    /** A container image holding a VM disk (KubeVirt containerDisk), e.g. {@code quay.io/containerdisks/debian:12}. */
    record ContainerDisk(String reference) implements ImageRef {
        public ContainerDisk {
            requireText(reference, "container disk reference");
        }
    }

    /** A volume in a hypervisor storage pool (libvirt), used as the backing store of a copy-on-write overlay. */
    record PoolVolume(String pool, String volume) implements ImageRef {
        public PoolVolume {
            requireText(pool, "pool");
            requireText(volume, "volume");
        }
    }

    /** A disk image file on the hypervisor host. */
    record HostPath(String path) implements ImageRef {
        public HostPath {
            requireText(path, "path");
        }
    }

    private static void requireText(String value, String what) {
        if (Objects.requireNonNull(value, what).isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
    }
}
