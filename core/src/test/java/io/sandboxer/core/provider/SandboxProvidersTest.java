package io.sandboxer.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.core.bootstrap.BootstrapRenderers;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.settings.SettingsException;
import org.junit.jupiter.api.Test;

/** Backends and renderers are found by name through ServiceLoader. */
class SandboxProvidersTest {
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aBackendIsFoundByNameAndGetsValidatedSettings() throws Exception {
        try (SandboxProvider provider = SandboxProviders.create("in-memory", json.readTree("{\"group\": \"g\"}"), "plugin_config")) {
            provider.create(SandboxSpec.builder("one").build());
            assertEquals(1, provider.list().size());
        }
    }

    @Test
    void settingsAreValidatedBeforeTheBackendIsCreated() throws Exception {
        SettingsException e = assertThrows(SettingsException.class,
                () -> SandboxProviders.create("in-memory", json.readTree("{\"max_size\": 0, \"extra\": true}"), "plugin_config"));
        assertEquals(3, e.violations().size(), e.getMessage());
    }

    @Test
    void anUnknownBackendNamesTheAvailableOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SandboxProviders.factory("vmware"));
        assertTrue(e.getMessage().contains("no backend named \"vmware\": available are in-memory"), e.getMessage());
    }

    @Test
    void anUnknownRendererSaysWhatToAdd() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BootstrapRenderers.byFormat("kickstart"));
        assertTrue(e.getMessage().contains("no bootstrap renderer for format \"kickstart\""), e.getMessage());
    }
}
