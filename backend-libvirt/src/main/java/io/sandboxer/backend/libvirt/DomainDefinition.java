package io.sandboxer.backend.libvirt;

import io.sandboxer.core.model.Architecture;
import java.util.Objects;
import java.util.UUID;

/** Everything the domain XML says, resolved from settings and spec. */
record DomainDefinition(
        String name,
        UUID uuid,
        DomainMetadata metadata,
        String domainType,
        Architecture architecture,
        String machineType,
        int vcpus,
        long memoryMib,
        LibvirtSettings.DirectBoot boot,
        String pool,
        String overlayVolume,
        String diskBus,
        BootstrapAttachment bootstrap,
        String network,
        String macAddress,
        String networkModel) {

    DomainDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uuid, "uuid");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(bootstrap, "bootstrap");
    }
}
