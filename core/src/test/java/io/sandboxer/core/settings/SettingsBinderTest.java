package io.sandboxer.core.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.model.Architecture;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class SettingsBinderTest {
    private final SettingsBinder binder = new SettingsBinder();

    private ExampleSettings bind(String json) {
        return binder.bind(json, ExampleSettings.class, "plugin_config");
    }

    @Test
    void snakeCaseNamesBindWithDefaults() {
        ExampleSettings s = bind("""
                {"pool_name": "default", "memory_mib": 1024, "architecture": "aarch64", "cpu_request": "500m",
                 "ttl": "1h30m", "password": "s3cret-pass", "groups": ["docker"], "labels": {"team": "ci"},
                 "connector": {"username": "core", "protocol_port": 22},
                 "mounts": [{"source": "/a", "target": "/b"}]}
                """);
        assertEquals("qemu:///system", s.uri());
        assertEquals(2, s.vcpuCount());
        assertEquals(1024, s.memoryMib());
        assertEquals(Architecture.ARM64, s.architecture());
        assertEquals("500m", s.cpuRequest().text());
        assertEquals(Duration.ofMinutes(90), s.ttl());
        assertEquals("s3cret-pass", s.password().reveal());
        assertEquals("core", s.connector().username());
        assertEquals("/b", s.mounts().get(0).target());
        assertNull(s.diskSizeGib());
    }

    /** One bad input per row: the field path, and words the message must contain. */
    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("{\"pool_name\": \"p\", \"memory_mib\": \"4096\"}", "plugin_config.memory_mib", "\"4096\"", "a whole number"),
                Arguments.of("{\"pool_name\": \"p\", \"memory_mib\": 4096.5}", "plugin_config.memory_mib", "4096.5", "a whole number"),
                Arguments.of("{\"pool_name\": \"p\", \"memory_mib\": 128}", "plugin_config.memory_mib", "128", "at least 256"),
                Arguments.of("{\"pool_name\": \"p\", \"vcpu_count\": -1}", "plugin_config.vcpu_count", "-1", "at least 1"),
                Arguments.of("{\"pool_name\": \"p\", \"vcpu_count\": 0}", "plugin_config.vcpu_count", "0", "at least 1"),
                Arguments.of("{\"pool_name\": \"p\", \"disk_size_gib\": -5}", "plugin_config.disk_size_gib", "-5", "at least 1"),
                Arguments.of("{\"pool_name\": \"p\", \"insecure\": \"yes\"}", "plugin_config.insecure", "\"yes\"", "true or false"),
                Arguments.of("{\"pool_name\": \"p\", \"groups\": \"docker\"}", "plugin_config.groups", "\"docker\"", "a list of strings"),
                Arguments.of("{\"pool_name\": \"p\", \"labels\": [1]}", "plugin_config.labels", "[1]", "an object"),
                Arguments.of("{\"pool_name\": \"p\", \"ttl\": \"3 hours\"}", "plugin_config.ttl", "\"3 hours\"", "90s, 10m"),
                Arguments.of("{\"pool_name\": \"p\", \"ttl\": 10}", "plugin_config.ttl", "10", "90s, 10m"),
                Arguments.of("{\"pool_name\": \"p\", \"architecture\": \"sparc\"}", "plugin_config.architecture", "\"sparc\"", "amd64"),
                Arguments.of("{\"pool_name\": \"p\", \"cpu_request\": \"lots\"}", "plugin_config.cpu_request", "\"lots\"", "500m"),
                Arguments.of("{\"pool_name\": \"\"}", "plugin_config.pool_name", null, "required"),
                Arguments.of("{\"pool_name\": \"bad name\"}", "plugin_config.pool_name", "\"bad name\"", "letters, digits"),
                Arguments.of("{}", "plugin_config.pool_name", null, "is required"),
                Arguments.of("{\"pool_name\": \"p\", \"memry_mib\": 1}", "plugin_config.memry_mib", "1", "did you mean \"memory_mib\""),
                Arguments.of("{\"pool_name\": \"p\", \"bogus\": 1}", "plugin_config.bogus", "1", "known settings in plugin_config are: uri, pool_name"),
                Arguments.of("{\"pool_name\": \"p\", \"connector\": {\"username\": \"\"}}", "plugin_config.connector.username", null, "required"),
                Arguments.of("{\"pool_name\": \"p\", \"connector\": {\"username\": \"u\", \"protocol_port\": 70000}}",
                        "plugin_config.connector.protocol_port", "70000", "between 1 and 65535"),
                Arguments.of("{\"pool_name\": \"p\", \"connector\": {\"username\": \"u\", \"port\": 22}}", "plugin_config.connector.port", "22",
                        "known settings in plugin_config.connector are: username, protocol_port"),
                Arguments.of("{\"pool_name\": \"p\", \"connector\": \"core\"}", "plugin_config.connector", "\"core\"", "JSON object"),
                Arguments.of("{\"pool_name\": \"p\", \"mounts\": [{\"source\": \"/a\"}]}", "plugin_config.mounts[0].target", null, "required"),
                Arguments.of("[1, 2]", "plugin_config", "[1,2]", "JSON object"),
                Arguments.of("{\"pool_name\": \"p\",}", "plugin_config", null, "not valid JSON"),
                Arguments.of("{\"pool_name\": \"p\", \"pool_name\": \"q\"}", "plugin_config", null, "not valid JSON"));
    }

    @ParameterizedTest(name = "{1} <- {0}")
    @MethodSource("badInputs")
    void badInputIsRejectedNamingFieldValueAndWhatIsAllowed(String json, String field, String shownValue, String allowed) {
        SettingsException e = assertThrows(SettingsException.class, () -> bind(json));
        Violation v = e.violations().stream().filter(x -> x.field().equals(field)).findFirst()
                .orElseThrow(() -> new AssertionError("no violation for " + field + " in: " + e.getMessage()));
        assertEquals(shownValue, v.value(), v.message());
        assertTrue(v.problem().contains(allowed), v.message());
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    @Test
    void everyProblemIsReportedNotOnlyTheFirst() {
        SettingsException e = assertThrows(SettingsException.class, () -> bind("""
                {"memory_mib": 1, "vcpu_count": "two", "colour": "blue", "connector": {"protocol_port": 0}}
                """));
        List<String> fields = e.violations().stream().map(Violation::field).toList();
        assertEquals(List.of("plugin_config.colour", "plugin_config.vcpu_count", "plugin_config.connector.username",
                "plugin_config.connector.protocol_port", "plugin_config.pool_name", "plugin_config.memory_mib"), fields);
        assertTrue(e.getMessage().startsWith("6 invalid settings:"), e.getMessage());
    }

    @Test
    void unknownFieldsThatLookSecretAreMasked() {
        SettingsException e = assertThrows(SettingsException.class, () -> bind("{\"pool_name\": \"p\", \"passwd\": \"hunter2\"}"));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void aFieldThatFailedToBindIsNotReportedTwice() {
        SettingsException e = assertThrows(SettingsException.class, () -> bind("{\"pool_name\": \"p\", \"vcpu_count\": \"x\"}"));
        assertEquals(1, e.violations().size(), e.getMessage());
    }

    @Test
    void secretsAreNeverShownInErrors() {
        SettingsException e = assertThrows(SettingsException.class, () -> bind("{\"pool_name\": \"p\", \"password\": \"short\"}"));
        assertFalse(e.getMessage().contains("short\""), e.getMessage());
        assertTrue(e.getMessage().contains("plugin_config.password: ****** is not allowed"), e.getMessage());
        SettingsException typed = assertThrows(SettingsException.class, () -> bind("{\"pool_name\": \"p\", \"password\": 12345678}"));
        assertFalse(typed.getMessage().contains("12345678"), typed.getMessage());
    }

    @Test
    void emptyOrNullSettingsMeanDefaults() {
        record Defaults(Integer maxSize) {
        }
        assertNull(binder.bind("", Defaults.class, "").maxSize());
        assertNull(binder.bind("null", Defaults.class, "").maxSize());
    }

    @Test
    void goDurations() {
        assertEquals(Duration.ofSeconds(90), GoDuration.parse("90s"));
        assertEquals(Duration.ofMinutes(90), GoDuration.parse("1h30m"));
        assertEquals(Duration.ofMillis(1500), GoDuration.parse("1.5s"));
        assertEquals(Duration.ofMillis(500), GoDuration.parse("500ms"));
        assertEquals(Duration.ZERO, GoDuration.parse("0"));
        assertEquals(Duration.ofMinutes(10), GoDuration.parse("PT10M"));
        for (String bad : new String[] {"", "10", "1x", "h", "1h 30m", "-5s", "1hh"}) {
            assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(bad), bad);
        }
        for (String tooLong : new String[] {"9999999999999h", "2562048h", "2562047h2562047h", "PT9999999999999H"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(tooLong), tooLong);
            assertTrue(e.getMessage().contains("\"" + tooLong + "\""), "names the value, not an overflow: " + e.getMessage());
        }
        assertEquals(Duration.ofHours(2562047), GoDuration.parse("2562047h"), "Go's limit itself is a duration");
        assertEquals("1h30m0s", GoDuration.format(Duration.ofMinutes(90)));
        assertEquals("45s", GoDuration.format(Duration.ofSeconds(45)));
    }
}
