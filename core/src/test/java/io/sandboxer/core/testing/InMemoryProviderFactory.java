package io.sandboxer.core.testing;

import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviderFactory;
import io.sandboxer.core.settings.Validated;
import io.sandboxer.core.settings.Validation;
import java.time.Clock;

/** Registers the in-memory provider as backend {@code in-memory}, so ServiceLoader lookups can be tested. */
public final class InMemoryProviderFactory implements SandboxProviderFactory<InMemoryProviderFactory.Settings> {

    /** {@code provider} is accepted as the real backends accept it (plugin_config may name the backend). */
    public record Settings(String provider, String group, Integer maxSize) implements Validated {
        @Override
        public void validate(Validation check) {
            check.required("group", group).atLeast("max_size", maxSize, 1);
        }
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
    public SandboxProvider create(Settings settings) {
        return new InMemorySandboxProvider(new InMemorySandboxProvider.World(), settings.group(), Clock.systemUTC(), SandboxState.RUNNING);
    }
}
