package io.sandboxer.backend.libvirt;

import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.model.ImageRef;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.provider.SandboxDefaults;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviderFactory;
import java.time.Clock;
import java.util.Set;

/** ServiceLoader entry of the libvirt backend ({@code libvirt}). */
public final class LibvirtProviderFactory implements SandboxProviderFactory<LibvirtSettings> {
    @Override
    public String name() {
        return "libvirt";
    }

    @Override
    public Class<LibvirtSettings> settingsType() {
        return LibvirtSettings.class;
    }

    /** The base volume by name, and {@code vcpu_count}, {@code memory_mib}, {@code disk_size_gib}, {@code ttl} where the operator set them. */
    @Override
    public SandboxDefaults defaults(LibvirtSettings settings, Set<String> given) {
        return new SandboxDefaults(settings.baseVolumeName(),
                given.contains("vcpu_count") ? Quantity.ofCores(settings.vcpuCount()) : null,
                given.contains("memory_mib") ? Quantity.ofMebibytes(settings.memoryMib()) : null,
                given.contains("disk_size_gib") && settings.diskSizeGib() != null ? Quantity.ofGibibytes(settings.diskSizeGib()) : null,
                settings.ttl());
    }

    /** A job's image is a volume of that name in the settings' pool. */
    @Override
    public ImageRef imageNamed(LibvirtSettings settings, String name) {
        return new ImageRef.PoolVolume(settings.poolName(), name);
    }

    @Override
    public SandboxProvider create(LibvirtSettings settings, GroupSettings group) {
        return open(settings, group, Clock.systemUTC());
    }

    /** Without the checks only creating needs (the base volume, boot files, host limits, CAs); create refuses. */
    @Override
    public SandboxProvider openExisting(LibvirtSettings settings, GroupSettings group) {
        return new LibvirtProvider(settings, group, new LibvirtConnection(settings.uri()), Clock.systemUTC(), true);
    }

    public static LibvirtProvider open(LibvirtSettings settings, GroupSettings group, Clock clock) {
        return new LibvirtProvider(settings, group, new LibvirtConnection(settings.uri()), clock);
    }
}
