package io.sandboxer.core.testing;

import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviderFactory;
import java.time.Clock;

/** Registers the in-memory provider as backend {@code in-memory}, so ServiceLoader lookups can be tested. */
public final class InMemoryProviderFactory implements SandboxProviderFactory<InMemoryProviderFactory.Settings> {

    /** The backend's own keys (the group's are {@link GroupSettings}'): the state new sandboxes start in. */
    public record Settings(SandboxState initialState) {
    }

    @Override
    public String name() {
        return "in-memory";
    }

    @Override
    public Class<Settings> settingsType() {
        return Settings.class;
    }

    @Override
    public SandboxProvider create(Settings settings, GroupSettings group) {
        return new InMemorySandboxProvider(new InMemorySandboxProvider.World(), group.owner(), Clock.systemUTC(),
                settings.initialState() == null ? SandboxState.RUNNING : settings.initialState());
    }
}
