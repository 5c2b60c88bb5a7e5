package io.sandboxer.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.core.bootstrap.BootstrapRenderers;
import io.sandboxer.core.credentials.PasswordHashAlgorithm;
import io.sandboxer.core.group.SweepPolicy;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.settings.SettingsException;
import io.sandboxer.core.testing.InMemoryProviderFactory;
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
                () -> SandboxProviders.create("in-memory", json.readTree("{\"max_size\": 0, \"extra\": true, \"sweep_policy\": \"keep\"}"), "plugin_config"));
        assertEquals(3, e.violations().size(), e.getMessage());
    }

    @Test
    void theGroupsKeysAndTheBackendsAreBoundEachIntoItsOwnRecord() throws Exception {
        var bound = SandboxProviders.bind("in-memory", json.readTree("{\"domain_prefix\": \"ci\", \"max_size\": 3, \"sweep_policy\": \"adopt\", "
                + "\"password_hash\": \"bcrypt\", \"initial_state\": \"CREATING\"}"), "plugin_config");
        assertEquals("ci", bound.group().prefix());
        assertEquals("ci", bound.group().owner(), "the owner label defaults to the prefix");
        assertEquals(3, bound.group().maxSize());
        assertEquals(SweepPolicy.ADOPT, bound.group().sweepPolicy());
        assertEquals(PasswordHashAlgorithm.BCRYPT, bound.group().passwordHash());
        assertEquals(new InMemoryProviderFactory.Settings(SandboxState.CREATING), bound.backend());
    }

    @Test
    void anUnknownSweepPolicyIsAnErrorNotADelete() throws Exception {
        SettingsException e = assertThrows(SettingsException.class,
                () -> SandboxProviders.bind("in-memory", json.readTree("{\"sweep_policy\": \"keep\"}"), "plugin_config"));
        assertEquals("plugin_config.sweep_policy", e.violations().get(0).field());
        assertTrue(e.violations().get(0).problem().contains("delete") && e.violations().get(0).problem().contains("adopt"), e.getMessage());
    }

    @Test
    void bothPrefixNamesAtOnceAreRefused() throws Exception {
        SettingsException e = assertThrows(SettingsException.class,
                () -> SandboxProviders.bind("in-memory", json.readTree("{\"domain_prefix\": \"a\", \"name_prefix\": \"b\"}"), "plugin_config"));
        assertTrue(e.getMessage().contains("set only one of domain_prefix, name_prefix"), e.getMessage());
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
