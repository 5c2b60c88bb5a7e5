package io.sandboxer.bootstrap.cloudinit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.sandboxer.core.bootstrap.BootstrapRenderers;
import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.bootstrap.CaCertificate;
import io.sandboxer.core.bootstrap.GuestFile;
import io.sandboxer.core.bootstrap.GuestUser;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.bootstrap.RenderedBootstrap;
import io.sandboxer.core.bootstrap.UserPassword;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.testing.BootstrapFixtures;
import io.sandboxer.core.testing.Command;
import io.sandboxer.core.testing.Golden;
import io.sandboxer.core.testing.Keys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CloudInitRendererTest {
    private static final ObjectMapper YAML = new YAMLMapper();
    private final CloudInitRenderer renderer = new CloudInitRenderer();
    @TempDir
    Path dir;

    /** Debian's cloud-init must call the user-data valid, without deprecation notes. */
    void assertValid(byte[] userData) throws IOException {
        Path file = Files.createTempFile(dir, "user-data", ".yaml");
        Files.write(file, userData);
        Command schema = Command.run(null, "cloud-init", "schema", "--config-file", file.toString());
        String output = schema.stdout() + schema.stderr();
        assertEquals(0, schema.exitCode(), "cloud-init schema rejected the user-data: " + output);
        assertTrue(schema.stdout().contains("Valid cloud-config"), output);
        assertFalse(output.toLowerCase(Locale.ROOT).contains("deprecat"), output);
    }

    private JsonNode userData(RenderedBootstrap rendered) throws IOException {
        String text = rendered.partAsText(CloudInitRenderer.USER_DATA);
        assertTrue(text.startsWith("#cloud-config\n"), text);
        return YAML.readTree(text);
    }

    @Test
    void isFoundByFormatName() {
        assertInstanceOf(CloudInitRenderer.class, BootstrapRenderers.byFormat("cloud-init"));
    }

    @Test
    void linuxGolden() throws IOException {
        RenderedBootstrap rendered = new CloudInitRenderer(true).render(BootstrapFixtures.linux());
        assertValid(rendered.part(CloudInitRenderer.USER_DATA));
        Golden.assertMatches("linux-user-data", rendered.part(CloudInitRenderer.USER_DATA));
        Golden.assertMatches("linux-meta-data", rendered.part(CloudInitRenderer.META_DATA));
        Golden.assertMatches("linux-network-config", rendered.part(CloudInitRenderer.NETWORK_CONFIG));
    }

    @Test
    void windowsGolden() throws IOException {
        RenderedBootstrap rendered = renderer.render(BootstrapFixtures.windows());
        assertValid(rendered.part(CloudInitRenderer.USER_DATA));
        Golden.assertMatches("windows-user-data", rendered.part(CloudInitRenderer.USER_DATA));
    }

    @Test
    void linuxContent() throws IOException {
        BootstrapSpec spec = BootstrapFixtures.linux();
        RenderedBootstrap rendered = renderer.render(spec);
        JsonNode config = userData(rendered);
        JsonNode user = config.at("/users/0");
        assertEquals("runner", user.get("name").asText());
        assertEquals(List.of("sudo", "docker"), YAML.convertValue(user.get("groups"), List.class));
        assertEquals("ALL=(ALL) NOPASSWD:ALL", user.get("sudo").asText());
        assertEquals("/bin/bash", user.get("shell").asText());
        assertFalse(user.get("lock_passwd").asBoolean(), "a password is set, so the account is not locked");
        assertEquals(BootstrapFixtures.SHA512_HASH, user.get("passwd").asText());
        assertEquals(2, user.get("ssh_authorized_keys").size());
        assertTrue(config.get("ssh_pwauth").asBoolean());
        assertEquals("sandbox-linux", config.get("hostname").asText());
        assertEquals(spec.caCertificates().get(0).pem(), config.at("/ca_certs/trusted/0").asText());
        assertEquals(Keys.load("openssh_ed25519").text().reveal(), config.at("/ssh_keys/ed25519_private").asText());
        assertEquals(List.of("ed25519"), YAML.convertValue(config.get("ssh_genkeytypes"), List.class),
                "only the injected host key type exists, so the key can be pinned");
        assertTrue(config.get("ssh_deletekeys").asBoolean());
        assertEquals("0640", config.at("/write_files/0/permissions").asText());
        assertEquals(List.of("systemctl", "enable", "--now", "sandboxer-hello.service"), YAML.convertValue(config.at("/runcmd/1"), List.class));
        JsonNode meta = YAML.readTree(rendered.part(CloudInitRenderer.META_DATA));
        assertEquals("iid-sandbox-linux", meta.get("instance-id").asText());
        assertEquals("sandbox-linux", meta.get("local-hostname").asText());
        assertFalse(rendered.parts().containsKey(CloudInitRenderer.NETWORK_CONFIG), "network-config only when asked");
    }

    @Test
    void passwordLoginOnlyWhenAskedAndKeyOnlyUsersAreLocked() throws IOException {
        GuestUser keyOnly = new GuestUser("runner", null, List.of(Keys.load("openssh_ed25519").authorizedKeysLine()), List.of(), null, true);
        RenderedBootstrap rendered = renderer.render(BootstrapSpec.linux("keys-only", List.of(keyOnly)));
        assertValid(rendered.part(CloudInitRenderer.USER_DATA));
        JsonNode config = userData(rendered);
        assertTrue(config.at("/ssh_pwauth").isMissingNode());
        assertTrue(config.at("/users/0/lock_passwd").asBoolean());
        assertTrue(config.at("/users/0/passwd").isMissingNode());
        assertTrue(config.at("/ca_certs").isMissingNode());
    }

    @Test
    void windowsIsTheCloudbaseInitSubsetWithAPlainPassword() throws IOException {
        JsonNode config = userData(renderer.render(BootstrapFixtures.windows()));
        JsonNode user = config.at("/users/0");
        assertEquals("runner", user.get("name").asText());
        assertEquals("Plain-Passw0rd-for-Windows", user.get("passwd").asText());
        assertEquals("Administrators", user.get("groups").asText());
        assertEquals("sandbox-win", config.get("set_hostname").asText());
        assertTrue(user.get("lock_passwd") == null && user.get("sudo") == null, "no Linux-only keys");
        BootstrapSpec withHash = new BootstrapSpec(OsFamily.WINDOWS, "w", List.of(
                new GuestUser("runner", new UserPassword.Hashed(Secret.of("$6$x")), List.of(), List.of(), null, false)),
                List.of(), List.of(), List.of(), List.of(), false);
        var e = assertThrows(IllegalArgumentException.class, () -> renderer.render(withHash));
        assertTrue(e.getMessage().contains("plain password"), e.getMessage());
    }

    @Test
    void randomLinuxSpecsRoundTripExactly() throws IOException {
        Random random = new Random(1122);
        List<byte[]> toValidate = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            BootstrapSpec spec = BootstrapFixtures.randomLinux(random);
            RenderedBootstrap rendered = renderer.render(spec);
            toValidate.add(rendered.part(CloudInitRenderer.USER_DATA));
            JsonNode config = userData(rendered);
            for (int u = 0; u < spec.users().size(); u++) {
                GuestUser user = spec.users().get(u);
                JsonNode node = config.at("/users/" + u);
                assertEquals(user.name(), node.get("name").asText());
                assertEquals(((UserPassword.Hashed) user.password()).cryptHash().reveal(), node.get("passwd").asText());
                assertEquals(user.authorizedKeys().get(0), node.at("/ssh_authorized_keys/0").asText());
            }
            List<GuestFile> expectedFiles = spec.files();
            for (int f = 0; f < expectedFiles.size(); f++) {
                JsonNode node = config.at("/write_files/" + f);
                assertEquals(expectedFiles.get(f).path(), node.get("path").asText());
                assertArrayEquals(expectedFiles.get(f).content(), Base64.getDecoder().decode(node.get("content").asText()));
            }
            String unitPath = "/etc/systemd/system/" + spec.units().get(0).name();
            JsonNode unitFile = config.at("/write_files/" + expectedFiles.size());
            assertEquals(unitPath, unitFile.get("path").asText());
            assertEquals(spec.units().get(0).contents(), new String(Base64.getDecoder().decode(unitFile.get("content").asText()),
                    StandardCharsets.UTF_8));
            List<String> pems = spec.caCertificates().stream().map(CaCertificate::pem).toList();
            assertEquals(pems, YAML.convertValue(config.at("/ca_certs/trusted"), List.class));
        }
        validateAll(toValidate);
    }

    /** cloud-init schema costs a Python start per file: validate in parallel. */
    private void validateAll(List<byte[]> userData) {
        userData.parallelStream().forEach(bytes -> {
            try {
                assertValid(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void nastyStringsSurviveYamlUnchanged() throws IOException {
        // Each nasty string as a plain password (Windows), a key comment and a hostname-free field.
        for (String nasty : BootstrapFixtures.nastyStrings()) {
            GuestUser user = new GuestUser("runner", new UserPassword.Plain(Secret.of(nasty)), List.of(), List.of(), null, false);
            BootstrapSpec spec = new BootstrapSpec(OsFamily.WINDOWS, "w", List.of(user), List.of(), List.of(), List.of(),
                    List.of(), false);
            assertEquals(nasty, userData(renderer.render(spec)).at("/users/0/passwd").asText(), "round trip of " + nasty.replace("\n", "\\n"));
        }
        Random random = new Random(7);
        List<byte[]> toValidate = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            BootstrapSpec spec = BootstrapFixtures.randomWindows(random);
            String expected = ((UserPassword.Plain) spec.users().get(0).password()).password().reveal();
            RenderedBootstrap rendered = renderer.render(spec);
            toValidate.add(rendered.part(CloudInitRenderer.USER_DATA));
            assertEquals(expected, userData(rendered).at("/users/0/passwd").asText());
        }
        validateAll(toValidate);
    }

    @Test
    void badNamesAreRefused() {
        GuestUser slash = new GuestUser("a/b", null, List.of(), List.of(), null, false);
        var e = assertThrows(IllegalArgumentException.class, () -> renderer.render(BootstrapSpec.linux("host", List.of(slash))));
        assertTrue(e.getMessage().contains("user name \"a/b\" is not allowed"), e.getMessage());
        var host = assertThrows(IllegalArgumentException.class, () -> renderer.render(BootstrapSpec.linux("bad_host!", List.of())));
        assertTrue(host.getMessage().contains("hostname \"bad_host!\" is not allowed"), host.getMessage());
        assertThrows(IllegalArgumentException.class, () -> renderer.render(BootstrapSpec.linux("a".repeat(64) + ".example", List.of())));
        GuestUser badGroup = new GuestUser("runner", null, List.of(), List.of("wheel\nroot"), null, false);
        assertThrows(IllegalArgumentException.class, () -> renderer.render(BootstrapSpec.linux("host", List.of(badGroup))));
    }
}
