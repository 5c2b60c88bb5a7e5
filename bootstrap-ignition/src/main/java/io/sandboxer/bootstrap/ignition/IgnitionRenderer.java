package io.sandboxer.bootstrap.ignition;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
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
 * Renders a {@link BootstrapSpec} as an Ignition config ({@code config.ign}) for Flatcar and Fedora CoreOS:
 * the SSH user (created, or updated when the image has it), {@code /etc/hostname}, extra CA certificates
 * under {@code /etc/ssl/certs/} with a oneshot unit that refreshes the trust store before Docker starts,
 * {@code docker.service} enabled, SSH host keys under {@code /etc/ssh/}, a sudoers drop-in for passwordless sudo,
 * and the spec's files and units. Everything is built as records and written by Jackson; file contents travel as base64 data URLs, so every
 * byte arrives exactly.
 */
public final class IgnitionRenderer implements BootstrapRenderer {
    public static final String FORMAT = "ignition";
    public static final String PART = "config.ign";
    /** The oneshot unit that runs update-ca-certificates when extra CAs are installed. */
    public static final String CA_UNIT = "sandboxer-update-ca-certificates.service";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private final IgnitionVersion version;
    private final boolean enableDocker;

    /** Spec 3.3.0, Docker enabled: what the libvirt Go plugin writes. */
    public IgnitionRenderer() {
        this(IgnitionVersion.DEFAULT, true);
    }

    public IgnitionRenderer(IgnitionVersion version, boolean enableDocker) {
        this.version = version;
        this.enableDocker = enableDocker;
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public RenderedBootstrap render(BootstrapSpec spec) {
        if (spec.osFamily() != OsFamily.LINUX) {
            throw new IllegalArgumentException("Ignition configures Linux guests (Flatcar, Fedora CoreOS), not " + spec.osFamily().jsonName());
        }
        GuestNames.check(spec);
        IgnitionConfig config = toConfig(spec);
        try {
            byte[] json = JSON.writeValueAsBytes(config);
            Map<String, byte[]> parts = new LinkedHashMap<>();
            parts.put(PART, json);
            return new RenderedBootstrap(FORMAT, parts);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write Ignition config", e);
        }
    }

    IgnitionConfig toConfig(BootstrapSpec spec) {
        List<IgnitionConfig.User> users = spec.users().stream().map(IgnitionRenderer::user).toList();
        List<IgnitionConfig.File> files = new ArrayList<>();
        List<IgnitionConfig.Unit> units = new ArrayList<>();

        files.add(file("/etc/hostname", (spec.hostname() + "\n").getBytes(StandardCharsets.UTF_8), 0644, null));
        // Ignition has no sudo field: a sudoers drop-in grants what the user asked for (sudo group rules differ by image).
        for (GuestUser user : spec.users()) {
            if (user.passwordlessSudo()) {
                files.add(file("/etc/sudoers.d/90-sandboxer-" + user.name(), (user.name() + " ALL=(ALL) NOPASSWD:ALL\n").getBytes(StandardCharsets.UTF_8),
                        0440, null));
            }
        }
        for (SshHostKey key : spec.hostKeys()) {
            String base = "/etc/ssh/ssh_host_" + key.shortType() + "_key";
            files.add(file(base, key.privateText().revealBytes(), 0600, null));
            files.add(file(base + ".pub", (key.publicKey().authorizedKeysLine() + "\n").getBytes(StandardCharsets.UTF_8), 0644, null));
        }
        if (!spec.caCertificates().isEmpty()) {
            for (CaCertificate ca : spec.caCertificates()) {
                files.add(file("/etc/ssl/certs/sandboxer-" + ca.name(), ca.pem().getBytes(StandardCharsets.US_ASCII), 0644, null));
            }
            units.add(new IgnitionConfig.Unit(CA_UNIT, true, caUnit()));
        }
        for (GuestFile f : spec.files()) {
            files.add(file(f.path(), f.content(), f.mode(), f.owner()));
        }
        if (enableDocker) {
            units.add(new IgnitionConfig.Unit("docker.service", true, null));
        }
        for (SystemdUnit unit : spec.units()) {
            units.add(new IgnitionConfig.Unit(unit.name(), unit.enabled() ? Boolean.TRUE : null, unit.contents()));
        }
        return new IgnitionConfig(new IgnitionConfig.Ignition(version.text()), new IgnitionConfig.Passwd(users),
                new IgnitionConfig.Storage(files), new IgnitionConfig.Systemd(units));
    }

    private static IgnitionConfig.User user(GuestUser user) {
        String hash = switch (user.password()) {
            case null -> null;
            case UserPassword.Hashed hashed -> hashed.cryptHash().reveal();
            case UserPassword.Plain plain -> throw new IllegalArgumentException("Ignition needs a password hash for " + user.name());
        };
        return new IgnitionConfig.User(user.name(), hash, user.authorizedKeys(), user.groups(), user.shell());
    }

    private static IgnitionConfig.File file(String path, byte[] content, int mode, String owner) {
        String source = "data:;base64," + Base64.getEncoder().encodeToString(content);
        return new IgnitionConfig.File(path, true, mode, new IgnitionConfig.Contents(source, null),
                owner == null ? null : new IgnitionConfig.NodeUser(owner));
    }

    /** Ordered before Docker so containers see the extra CAs; runs once per boot. */
    static String caUnit() {
        return """
                [Unit]
                Description=Add sandboxer's extra CA certificates to the trust store
                Before=docker.service
                After=local-fs.target

                [Service]
                Type=oneshot
                RemainAfterExit=yes
                ExecStart=/usr/sbin/update-ca-certificates

                [Install]
                WantedBy=multi-user.target
                """;
    }
}
