package io.sandboxer.adapter.fleeting;

import com.fasterxml.jackson.databind.JsonNode;
import io.sandboxer.core.fleet.FleetSettings;
import io.sandboxer.core.fleet.InstanceName;
import io.sandboxer.core.fleet.SweepPolicy;
import io.sandboxer.core.settings.SettingsException;
import io.sandboxer.core.settings.Violation;
import java.util.ArrayList;
import java.util.List;

/**
 * The group-level part of {@code plugin_config} the plugin itself reads (the backend binds and validates the
 * whole object, unknown keys included): which backend, and the Fleet limits.
 */
record PluginConfig(String backend, FleetSettings fleet) {

    static PluginConfig from(JsonNode config, String defaultBackend) {
        List<Violation> problems = new ArrayList<>();
        String backend = config.path("provider").asText(defaultBackend);
        JsonNode maxSize = config.get("max_size");
        if (maxSize == null || !maxSize.canConvertToInt() || maxSize.asInt() < 1) {
            problems.add(new Violation("plugin_config.max_size", maxSize == null ? null : maxSize.toString(),
                    "is required by the Fleeting plugin and must be a whole number of at least 1"));
        }
        String prefix = config.has("domain_prefix") ? config.path("domain_prefix").asText()
                : config.path("name_prefix").asText(InstanceName.DEFAULT_PREFIX);
        if (!InstanceName.isValidPrefix(prefix)) {
            String key = config.has("domain_prefix") ? "domain_prefix" : "name_prefix";
            problems.add(new Violation("plugin_config." + key, config.path(key).toString(), InstanceName.prefixRule()));
        }
        int parallel = config.path("max_parallel_creates").asInt(FleetSettings.DEFAULT_PARALLEL_CREATES);
        SweepPolicy sweep = "adopt".equals(config.path("sweep_policy").asText("delete")) ? SweepPolicy.ADOPT : SweepPolicy.DELETE;
        if (!problems.isEmpty()) {
            throw new SettingsException(problems);
        }
        return new PluginConfig(backend, new FleetSettings(prefix, maxSize.asInt(), Math.max(1, parallel), sweep));
    }
}
