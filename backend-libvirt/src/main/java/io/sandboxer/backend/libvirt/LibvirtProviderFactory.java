package io.sandboxer.backend.libvirt;

import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviderFactory;
import java.time.Clock;

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

    @Override
    public SandboxProvider create(LibvirtSettings settings, GroupSettings group) {
        return open(settings, group, Clock.systemUTC());
    }

    public static LibvirtProvider open(LibvirtSettings settings, GroupSettings group, Clock clock) {
        return new LibvirtProvider(settings, group, new LibvirtConnection(settings.uri()), clock);
    }
}
