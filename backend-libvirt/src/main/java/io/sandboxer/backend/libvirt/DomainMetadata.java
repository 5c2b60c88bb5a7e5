package io.sandboxer.backend.libvirt;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What sandboxer records inside each domain's {@code <metadata>}, in its own XML namespace: the group that
 * owns it, the boot generation of the process that made it, when it was made and when it expires, its
 * labels, and the names of the volumes and files that belong to it. Ownership is decided by this record,
 * never by the domain name alone, and it survives restarts of sandboxer and libvirtd.
 */
public record DomainMetadata(
        String group,
        Instant generation,
        Instant createdAt,
        Instant expiresAt,
        Map<String, String> labels,
        String overlayVolume,
        String bootstrapVolume,
        String bootstrapFile) {

    public static final String NAMESPACE = "https://sandboxer.io/xmlns/libvirt/1";
    public static final String PREFIX = "sandboxer";
    public static final String ELEMENT = "sandbox";

    public DomainMetadata {
        Objects.requireNonNull(group, "group");
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** The same record with other labels, creation time and expiry (a pooled sandbox claimed by a job). */
    DomainMetadata relabelled(Map<String, String> newLabels, Instant newCreatedAt, Instant newExpiresAt) {
        return new DomainMetadata(group, generation, newCreatedAt, newExpiresAt, newLabels, overlayVolume, bootstrapVolume, bootstrapFile);
    }
}
