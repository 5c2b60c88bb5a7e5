package io.sandboxer.backend.libvirt;

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
    public SandboxProvider create(LibvirtSettings settings) {
        return open(settings, Clock.systemUTC());
    }

    public static LibvirtProvider open(LibvirtSettings settings, Clock clock) {
        return new LibvirtProvider(settings, new LibvirtConnection(settings.uri()), clock);
    }
}
