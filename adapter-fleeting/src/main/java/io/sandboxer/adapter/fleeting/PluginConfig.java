package io.sandboxer.adapter.fleeting;

import com.fasterxml.jackson.databind.JsonNode;
import io.sandboxer.core.fleet.FleetSettings;
import io.sandboxer.core.provider.SandboxProviders;
import io.sandboxer.core.settings.SettingsException;
import io.sandboxer.core.settings.Violation;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code plugin_config} bound once: the group's settings and the backend's own (core binds both, every problem at
 * once), plus what only the Fleeting plugin requires ({@code max_size}).
 */
record PluginConfig(String backend, FleetSettings fleet, SandboxProviders.Configured<?> settings) {

    static PluginConfig from(JsonNode config, String defaultBackend) {
        String backend = config.path("provider").asText(defaultBackend);
        List<Violation> problems = new ArrayList<>();
        JsonNode maxSize = config.get("max_size");
        if (maxSize == null || maxSize.isNull()) {
            problems.add(new Violation("plugin_config.max_size", null, "is required by the Fleeting plugin and must be a whole number of at least 1"));
        }
        SandboxProviders.Configured<?> bound = null;
        try {
            bound = SandboxProviders.bind(backend, config, "plugin_config");
        } catch (SettingsException e) {
            problems.addAll(e.violations());
        } catch (IllegalArgumentException e) {
            problems.add(new Violation("plugin_config.provider", backend, e.getMessage()));
        }
        if (!problems.isEmpty()) {
            throw new SettingsException(problems);
        }
        return new PluginConfig(backend, FleetSettings.of(bound.group()), bound);
    }
}
