package io.sandboxer.bootstrap.cloudinit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.sandboxer.core.bootstrap.BootstrapRenderer;
import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.bootstrap.CaCertificate;
import io.sandboxer.core.bootstrap.GuestFile;
import io.sandboxer.core.bootstrap.GuestNames;
import io.sandboxer.core.bootstrap.GuestUser;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.bootstrap.RenderedBootstrap;
import io.sandboxer.core.bootstrap.SshHostKey;
import io.sandboxer.core.bootstrap.SystemdUnit;
import io.sandboxer.core.bootstrap.UserPassword;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a {@link BootstrapSpec} as a NoCloud seed: {@code user-data} ({@code #cloud-config}),
 * {@code meta-data} (instance-id, local-hostname) and, when asked, {@code network-config} (v2, DHCP on the
 * first NIC). All YAML comes from Jackson's YAML writer, so every string round-trips exactly.
 *
 * <p>Linux guests get users with a crypt hash, sudo, shell, authorized keys, CA certificates, files (base64,
 * byte-exact), host keys and units. Windows guests (Cloudbase-Init) get the subset Cloudbase-Init reads: users
 * with a <em>plain</em> password (Cloudbase-Init sets it through the Windows API and accepts no hash), group
 * {@code Administrators}, authorized keys, files and the hostname.
 */
public final class CloudInitRenderer implements BootstrapRenderer {
    public static final String FORMAT = "cloud-init";
    public static final String USER_DATA = "user-data";
    public static final String META_DATA = "meta-data";
    public static final String NETWORK_CONFIG = "network-config";
    static final String HEADER = "#cloud-config\n";
    private static final ObjectMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
                    .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                    .build())
            .build();

    private final boolean networkConfig;

    public CloudInitRenderer() {
        this(false);
    }

    /** @param networkConfig also write {@code network-config} (without it, cloud-init's fallback does DHCP on the first NIC too) */
    public CloudInitRenderer(boolean networkConfig) {
        this.networkConfig = networkConfig;
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public RenderedBootstrap render(BootstrapSpec spec) {
        GuestNames.check(spec);
        CloudConfig config = spec.osFamily() == OsFamily.WINDOWS ? windows(spec) : linux(spec);
        Map<String, byte[]> parts = new LinkedHashMap<>();
        parts.put(USER_DATA, (HEADER + yaml(config)).getBytes(StandardCharsets.UTF_8));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("instance-id", "iid-" + spec.hostname());
        meta.put("local-hostname", spec.hostname());
        parts.put(META_DATA, yaml(meta).getBytes(StandardCharsets.UTF_8));
        if (networkConfig) {
            parts.put(NETWORK_CONFIG, yaml(firstNicDhcp()).getBytes(StandardCharsets.UTF_8));
        }
        return new RenderedBootstrap(FORMAT, parts);
    }

    private static CloudConfig linux(BootstrapSpec spec) {
        List<CloudConfig.User> users = new ArrayList<>();
        boolean anyPassword = false;
        for (GuestUser user : spec.users()) {
            String hash = user.password() instanceof UserPassword.Hashed h ? h.cryptHash().reveal() : null;
            anyPassword |= hash != null;
            users.add(new CloudConfig.User(user.name(), user.groups().isEmpty() ? null : user.groups(),
                    user.passwordlessSudo() ? "ALL=(ALL) NOPASSWD:ALL" : null, user.shell(), hash == null, hash, user.authorizedKeys()));
        }
        Map<String, String> hostKeys = new LinkedHashMap<>();
        for (SshHostKey key : spec.hostKeys()) {
            hostKeys.put(key.shortType() + "_private", key.privateText().reveal());
            hostKeys.put(key.shortType() + "_public", key.publicKey().authorizedKeysLine());
        }
        List<CloudConfig.WriteFile> files = new ArrayList<>();
        List<List<String>> runcmd = new ArrayList<>();
        for (GuestFile file : spec.files()) {
            files.add(writeFile(file));
        }
        boolean reload = false;
        for (SystemdUnit unit : spec.units()) {
            if (unit.contents() != null) {
                files.add(writeFile(GuestFile.text("/etc/systemd/system/" + unit.name(), unit.contents(), 0644)));
                reload = true;
            }
        }
        if (reload) {
            runcmd.add(List.of("systemctl", "daemon-reload"));
        }
        for (SystemdUnit unit : spec.units()) {
            if (unit.enabled()) {
                runcmd.add(List.of("systemctl", "enable", "--now", unit.name()));
            }
        }
        List<String> cas = spec.caCertificates().stream().map(CaCertificate::pem).toList();
        return new CloudConfig(spec.hostname(), null, false, "localhost", users, anyPassword ? new CloudConfig.Chpasswd(false) : null,
                spec.sshPasswordAuthentication() ? Boolean.TRUE : null,
                hostKeys.isEmpty() ? null : Boolean.TRUE,
                // Generate only types that were supplied (which therefore exist): the server offers just the injected keys, so clients can pin them.
                hostKeys.isEmpty() ? null : spec.hostKeys().stream().map(SshHostKey::shortType).distinct().toList(),
                hostKeys, cas.isEmpty() ? null : new CloudConfig.CaCerts(cas), files, runcmd);
    }

    private static CloudConfig windows(BootstrapSpec spec) {
        if (!spec.hostKeys().isEmpty() || !spec.caCertificates().isEmpty() || !spec.units().isEmpty()) {
            throw new IllegalArgumentException("Windows guests (Cloudbase-Init) support users, files and the hostname only; "
                    + "remove host keys, CA certificates and systemd units from the spec");
        }
        List<CloudConfig.User> users = new ArrayList<>();
        for (GuestUser user : spec.users()) {
            String plain = user.password() instanceof UserPassword.Plain p ? p.password().reveal() : null;
            String groups = user.groups().isEmpty() ? "Administrators" : String.join(",", user.groups());
            users.add(new CloudConfig.User(user.name(), groups, null, null, null, plain, user.authorizedKeys()));
        }
        List<CloudConfig.WriteFile> files = spec.files().stream().map(CloudInitRenderer::writeFile).toList();
        return new CloudConfig(null, spec.hostname(), null, null, users, null, null, null, null, null, null, files, List.of());
    }

    private static CloudConfig.WriteFile writeFile(GuestFile file) {
        return new CloudConfig.WriteFile(file.path(), "b64", Base64.getEncoder().encodeToString(file.content()),
                String.format("0%o", file.mode()), file.owner());
    }

    /** Network config v2 as NoCloud reads it: DHCPv4 on the first Ethernet NIC (names starting with "e": enp1s0, eth0). */
    private static Map<String, Object> firstNicDhcp() {
        Map<String, Object> nic = new LinkedHashMap<>();
        nic.put("match", Map.of("name", "e*"));
        nic.put("dhcp4", true);
        Map<String, Object> network = new LinkedHashMap<>();
        network.put("version", 2);
        network.put("ethernets", Map.of("primary", nic));
        return network;
    }

    static String yaml(Object value) {
        try {
            return YAML.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write cloud-init YAML", e);
        }
    }
}
