package io.sandboxer.backend.kubevirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.model.Architecture;
import io.sandboxer.core.provider.SandboxProviders;
import io.sandboxer.core.settings.SettingsBinder;
import io.sandboxer.core.settings.SettingsException;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KubevirtSettingsTest {
    /** As the adapters bind it: the group's keys and the backend's from one object. */
    private static KubevirtSettings bind(String json) {
        return (KubevirtSettings) SandboxProviders.bind("kubevirt", SettingsBinder.parse(json, "plugin_config"), "plugin_config").backend();
    }

    @Test
    void defaultsFollowTheGoTool() {
        KubevirtSettings s = bind("{}");
        assertEquals("gitlab-runner", s.namespace());
        assertEquals("1", s.cpuRequest().text());
        assertEquals("1Gi", s.memoryLimit().text());
        assertEquals(Duration.ofHours(3), s.ttl());
        assertEquals(Architecture.AMD64, s.architecture());
        assertEquals(22, s.sshPort());
        assertEquals(AccessMode.AUTO, s.access());
    }

    static Stream<Arguments> bad() {
        return Stream.of(
                Arguments.of("{\"namespace\": \"Not_A_Namespace\"}", "plugin_config.namespace", "namespace"),
                Arguments.of("{\"machine_type\": \"microvm\"}", "plugin_config.machine_type", "microvm and others are rejected"),
                Arguments.of("{\"architecture\": \"arm64\", \"machine_type\": \"q35\"}", "plugin_config.machine_type", "virt machine types"),
                Arguments.of("{\"cpu_request\": \"2\", \"cpu_limit\": \"1\"}", "plugin_config.cpu_request", "must not exceed the limit 1"),
                Arguments.of("{\"memory_request\": \"lots\"}", "plugin_config.memory_request", "512Mi"),
                Arguments.of("{\"image_pull_policy\": \"Sometimes\"}", "plugin_config.image_pull_policy", "Always, IfNotPresent, Never"),
                Arguments.of("{\"access\": \"nodeport\"}", "plugin_config.access", "auto, pod-ip, port-forward"),
                Arguments.of("{\"ssh_port\": 0}", "plugin_config.ssh_port", "between 1 and 65535"),
                Arguments.of("{\"ttl\": \"3 hours\"}", "plugin_config.ttl", "90s"),
                Arguments.of("{\"tolerations\": [{\"operator\": \"Maybe\"}]}", "plugin_config.tolerations[0].operator", "Exists, Equal"),
                Arguments.of("{\"in_cluster\": true, \"kubeconfig\": \"/k\"}", "plugin_config.in_cluster / kubeconfig", "not both"),
                Arguments.of("{\"group\": \"has:colon\"}", "plugin_config.group", "label value"),
                Arguments.of("{\"provider\": \"libvirt\"}", "plugin_config.provider", "one of kubevirt"),
                Arguments.of("{\"memory_request\": \"1\"}", "plugin_config.memory_request", "between 256Mi and 16Ti"),
                Arguments.of("{\"memory_limit\": \"9Ei\"}", "plugin_config.memory_limit", "between 256Mi and 16Ti"),
                Arguments.of("{\"cpu_request\": \"0\"}", "plugin_config.cpu_request", "between 100m and 4096"),
                Arguments.of("{\"ephemeral_storage_limit\": \"500Ti\"}", "plugin_config.ephemeral_storage_limit", "between 1Gi and 64Ti"),
                Arguments.of("{\"kubeconfig\": \"\"}", "plugin_config.kubeconfig", "must not be empty"),
                Arguments.of("{\"image\": \"\"}", "plugin_config.image", "must not be empty"),
                Arguments.of("{\"image\": \"fedora; rm -rf /\"}", "plugin_config.image", "container image reference"),
                Arguments.of("{\"ssh_user\": \" \"}", "plugin_config.ssh_user", "must not be empty"),
                Arguments.of("{\"namespace\": \"a\", \"namespace\": \"b\"}", "plugin_config", "Duplicate field 'namespace'"),
                Arguments.of("{\"namespce\": \"x\"}", "plugin_config.namespce", "did you mean \"namespace\""));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("bad")
    void badValuesNameTheKey(String json, String field, String allowed) {
        SettingsException e = assertThrows(SettingsException.class, () -> bind(json));
        assertTrue(e.violations().stream().anyMatch(v -> v.field().equals(field) && v.problem().contains(allowed)), e.getMessage());
    }
}
