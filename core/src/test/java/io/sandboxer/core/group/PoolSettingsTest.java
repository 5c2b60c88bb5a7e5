package io.sandboxer.core.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.settings.SettingsBinder;
import io.sandboxer.core.settings.SettingsException;
import io.sandboxer.core.settings.Violation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolSettingsTest {
    private final SettingsBinder binder = new SettingsBinder();

    @Test
    void thePoolIsOffUnlessASizeIsGivenAndItsDefaultsAreSane() {
        GroupSettings none = binder.bind("{}", GroupSettings.class, "settings");
        assertFalse(none.pool().enabled());

        PoolSettings pool = binder.bind("{\"pool\": {\"size\": 2, \"image\": \"debian-12\", \"memory\": \"2Gi\"}}", GroupSettings.class, "settings").pool();
        assertTrue(pool.enabled());
        assertEquals(PoolSettings.DEFAULT_MAX_AGE, pool.maxAge());
        assertEquals("runner", pool.sshUser());
        assertEquals(22, pool.sshPort());
        assertEquals("2Gi", pool.memory().toString());
        assertEquals(Duration.ofMinutes(90), binder.bind("{\"pool\": {\"max_age\": \"1h30m\"}}", GroupSettings.class, "s").pool().maxAge());
    }

    @Test
    void everyBadPoolSettingIsNamedWithItsValueAndWhatIsAllowed() {
        SettingsException e = assertThrows(SettingsException.class, () -> binder.bind(
                "{\"pool\": {\"size\": 101, \"max_age\": \"5s\", \"boot_timeout\": \"1s\", \"ssh_user\": \"Root!\", \"ssh_port\": 0, \"sise\": 1}}",
                GroupSettings.class, "settings"));
        List<String> fields = e.violations().stream().map(Violation::field).sorted().toList();
        assertEquals(List.of("settings.pool.boot_timeout", "settings.pool.max_age", "settings.pool.sise", "settings.pool.size",
                "settings.pool.ssh_port", "settings.pool.ssh_user"), fields, e.getMessage());
        assertTrue(e.getMessage().contains("101"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean"), e.getMessage());
    }
}
