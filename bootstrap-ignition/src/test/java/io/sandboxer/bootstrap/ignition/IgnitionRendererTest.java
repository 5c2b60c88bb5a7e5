package io.sandboxer.bootstrap.ignition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.core.bootstrap.BootstrapRenderers;
import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.bootstrap.GuestFile;
import io.sandboxer.core.bootstrap.GuestUser;
import io.sandboxer.core.bootstrap.SystemdUnit;
import io.sandboxer.core.bootstrap.UserPassword;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.testing.BootstrapFixtures;
import io.sandboxer.core.testing.Command;
import io.sandboxer.core.testing.Golden;
import io.sandboxer.core.testing.Keys;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IgnitionRendererTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final IgnitionRenderer renderer = new IgnitionRenderer();

    private JsonNode render(BootstrapSpec spec) throws Exception {
        byte[] config = renderer.render(spec).part(IgnitionRenderer.PART);
        assertValid(config);
        return JSON.readTree(config);
    }

    /** Debian's ignition-validate must accept the config with no error and no warning. */
    static void assertValid(byte[] config) {
        Command validate = Command.run(config, "ignition-validate", "-");
        assertEquals(0, validate.exitCode(), "ignition-validate rejected the config: " + validate.stdout() + validate.stderr());
        assertEquals("", (validate.stdout() + validate.stderr()).strip(), "ignition-validate warned");
    }

    @Test
    void isFoundByFormatName() {
        assertInstanceOf(IgnitionRenderer.class, BootstrapRenderers.byFormat("ignition"));
    }

    @Test
    void flatcarGolden() {
        byte[] config = renderer.render(BootstrapFixtures.flatcar()).part(IgnitionRenderer.PART);
        assertValid(config);
        Golden.assertMatches("flatcar-core-ca-dir-password.ign", config);
    }

    @Test
    void flatcarContentIsWhatTheGoPluginWrites() throws Exception {
        JsonNode config = render(BootstrapFixtures.flatcar());
        assertEquals("3.3.0", config.at("/ignition/version").asText());
        JsonNode core = config.at("/passwd/users/0");
        assertEquals("core", core.get("name").asText());
        assertEquals(BootstrapFixtures.SHA512_HASH, core.get("passwordHash").asText());
        assertEquals(Keys.load("openssh_ed25519").authorizedKeysLine(), core.at("/sshAuthorizedKeys/0").asText());

        Map<String, JsonNode> files = files(config);
        assertEquals("gitlab-runner-20261122-100000-20261122-100500-0a1b2c\n", text(files.get("/etc/hostname")));
        assertTrue(text(files.get("/etc/ssl/certs/sandboxer-corp-root.pem")).startsWith("-----BEGIN CERTIFICATE-----"));
        String intermediates = text(files.get("/etc/ssl/certs/sandboxer-intermediates.pem"));
        assertEquals(2, intermediates.split("-----BEGIN CERTIFICATE-----", -1).length - 1, "both certificates of one file");
        assertEquals(0600, files.get("/etc/ssh/ssh_host_ecdsa_key").get("mode").asInt());
        assertEquals(0644, files.get("/etc/ssh/ssh_host_ecdsa_key.pub").get("mode").asInt());

        Map<String, JsonNode> units = units(config);
        assertTrue(units.get("docker.service").get("enabled").asBoolean());
        JsonNode ca = units.get(IgnitionRenderer.CA_UNIT);
        assertTrue(ca.get("enabled").asBoolean());
        assertTrue(ca.get("contents").asText().contains("Before=docker.service"));
        assertTrue(ca.get("contents").asText().contains("ExecStart=/usr/sbin/update-ca-certificates"));
        assertTrue(ca.get("contents").asText().contains("Type=oneshot"));
    }

    @Test
    void noCaMeansNoCaFilesAndNoUnit() throws Exception {
        BootstrapSpec spec = BootstrapSpec.linux("plain-host", List.of(new GuestUser("core", null,
                List.of(Keys.load("openssh_rsa").authorizedKeysLine()), List.of(), null, false)));
        JsonNode config = render(spec);
        assertFalse(files(config).keySet().stream().anyMatch(p -> p.startsWith("/etc/ssl/")));
        assertFalse(units(config).containsKey(IgnitionRenderer.CA_UNIT));
        assertTrue(config.at("/passwd/users/0/passwordHash").isMissingNode(), "no password, no hash");
    }

    @Test
    void passwordlessSudoBecomesASudoersDropIn() throws Exception {
        BootstrapSpec spec = BootstrapSpec.linux("sudo-host", List.of(
                new GuestUser("runner", null, List.of(Keys.load("openssh_rsa").authorizedKeysLine()), List.of("sudo"), null, true),
                new GuestUser("guest", null, List.of(), List.of(), null, false)));
        Map<String, JsonNode> files = files(render(spec));
        assertEquals("runner ALL=(ALL) NOPASSWD:ALL\n", text(files.get("/etc/sudoers.d/90-sandboxer-runner")));
        assertEquals(0440, files.get("/etc/sudoers.d/90-sandboxer-runner").get("mode").asInt(), "sudo ignores writable drop-ins");
        assertFalse(files.containsKey("/etc/sudoers.d/90-sandboxer-guest"), "only who asked for it");
    }

    @Test
    void versionLivesInOnePlaceAnd340CanBeOffered() throws Exception {
        byte[] config = new IgnitionRenderer(IgnitionVersion.V3_4_0, true).render(BootstrapFixtures.flatcar()).part(IgnitionRenderer.PART);
        assertEquals("3.4.0", JSON.readTree(config).at("/ignition/version").asText());
        assertEquals("3.3.0", IgnitionVersion.DEFAULT.text());
    }

    @Test
    void randomSpecsRoundTripExactlyAndValidate() throws Exception {
        Random random = new Random(20261122);
        for (int i = 0; i < 40; i++) {
            BootstrapSpec spec = BootstrapFixtures.randomLinux(random);
            byte[] bytes = renderer.render(spec).part(IgnitionRenderer.PART);
            assertValid(bytes);
            JsonNode config = JSON.readTree(bytes);
            for (int u = 0; u < spec.users().size(); u++) {
                GuestUser user = spec.users().get(u);
                JsonNode node = config.at("/passwd/users/" + u);
                assertEquals(user.name(), node.get("name").asText());
                assertEquals(((UserPassword.Hashed) user.password()).cryptHash().reveal(), node.get("passwordHash").asText());
                assertEquals(user.authorizedKeys().get(0), node.at("/sshAuthorizedKeys/0").asText());
                assertEquals(user.groups().get(0), node.at("/groups/0").asText());
            }
            Map<String, JsonNode> files = files(config);
            for (GuestFile file : spec.files()) {
                assertArrayEquals(file.content(), bytes(files.get(file.path())), file.path());
                assertEquals(file.mode(), files.get(file.path()).get("mode").asInt());
            }
            assertEquals(spec.units().get(0).contents(), units(config).get(spec.units().get(0).name()).get("contents").asText());
        }
    }

    @Test
    void namesTheGuestWouldRejectAreRefused() {
        GuestUser slash = new GuestUser("bad/name", null, List.of(), List.of(), null, false);
        var e = assertThrows(IllegalArgumentException.class, () -> renderer.render(BootstrapSpec.linux("host", List.of(slash))));
        assertTrue(e.getMessage().contains("user name \"bad/name\" is not allowed"), e.getMessage());

        GuestUser space = new GuestUser("two words", null, List.of(), List.of(), null, false);
        assertThrows(IllegalArgumentException.class, () -> renderer.render(BootstrapSpec.linux("host", List.of(space))));

        var longHost = assertThrows(IllegalArgumentException.class, () -> renderer.render(BootstrapSpec.linux("h".repeat(64), List.of())));
        assertTrue(longHost.getMessage().contains("1 to 63"), longHost.getMessage());

        GuestUser plain = new GuestUser("core", new UserPassword.Plain(Secret.of("pw")), List.of(), List.of(), null, false);
        var plainError = assertThrows(IllegalArgumentException.class, () -> renderer.render(BootstrapSpec.linux("host", List.of(plain))));
        assertTrue(plainError.getMessage().contains("crypt hash"), plainError.getMessage());
        assertFalse(plainError.getMessage().contains("pw\""), "the password stays out of the message");

        GuestUser injected = new GuestUser("core", null, List.of("ssh-ed25519 AAAA\nrm -rf /"), List.of(), null, false);
        assertThrows(IllegalArgumentException.class, () -> renderer.render(BootstrapSpec.linux("host", List.of(injected))));

        assertThrows(IllegalArgumentException.class, () -> renderer.render(BootstrapFixtures.windows()));

        var longLine = new SystemdUnit("x.service", "[Unit]\nDescription=" + "x".repeat(3000) + "\n", true);
        BootstrapSpec withUnit = new BootstrapSpec(null, "host", List.of(), List.of(), List.of(), List.of(longLine), List.of(), false);
        var unitError = assertThrows(IllegalArgumentException.class, () -> renderer.render(withUnit));
        assertTrue(unitError.getMessage().contains("line over 2048 bytes"), unitError.getMessage());
    }

    @Test
    void passwordHashAndHostKeyNeverLeakThroughToString() {
        var rendered = renderer.render(BootstrapFixtures.flatcar());
        assertFalse(rendered.toString().contains("$6$"), rendered.toString());
        assertNull(rendered.parts().get("user-data"));
    }

    private static Map<String, JsonNode> files(JsonNode config) {
        Map<String, JsonNode> byPath = new HashMap<>();
        config.at("/storage/files").forEach(f -> byPath.put(f.get("path").asText(), f));
        return byPath;
    }

    private static Map<String, JsonNode> units(JsonNode config) {
        Map<String, JsonNode> byName = new HashMap<>();
        config.at("/systemd/units").forEach(u -> byName.put(u.get("name").asText(), u));
        return byName;
    }

    private static byte[] bytes(JsonNode file) {
        String source = file.at("/contents/source").asText();
        assertTrue(source.startsWith("data:;base64,"), source);
        return Base64.getDecoder().decode(source.substring("data:;base64,".length()));
    }

    private static String text(JsonNode file) {
        return new String(bytes(file), StandardCharsets.UTF_8);
    }
}
