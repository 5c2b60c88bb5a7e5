package io.sandboxer.core.model;

import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.credentials.SshPublicKey;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What to create. {@code name} becomes the sandbox id; it must be a DNS label (lower-case letters, digits
 * and '-', at most 63 characters) because it ends up as a domain name, a Kubernetes object name and a guest
 * hostname. Null image, architecture, machine type or TTL mean "the backend's configured default". {@code access} (may be null)
 * is how clients log in; the backend keeps it with the sandbox and returns it in {@link ConnectInfo}.
 */
public record SandboxSpec(
        String name,
        ImageRef image,
        Resources resources,
        Architecture architecture,
        String machineType,
        Map<String, String> labels,
        Duration ttl,
        BootstrapSpec bootstrap,
        SandboxAccess access) {

    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");

    public SandboxSpec {
        Objects.requireNonNull(name, "name");
        if (!DNS_LABEL.matcher(name).matches()) {
            throw new IllegalArgumentException("sandbox name \"" + name
                    + "\" is not allowed: use 1 to 63 lower-case letters, digits and '-', starting and ending with a letter or digit");
        }
        resources = Objects.requireNonNullElse(resources, new Resources(null, null, null));
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
            throw new IllegalArgumentException("ttl " + ttl + " must be positive");
        }
    }

    /** The guest's host key clients pin: the access's, else the first one the bootstrap installs (null: none known). */
    public SshPublicKey pinnedHostKey() {
        if (access != null && access.hostKey() != null) {
            return access.hostKey();
        }
        return bootstrap != null && !bootstrap.hostKeys().isEmpty() ? bootstrap.hostKeys().get(0).publicKey() : null;
    }

    public static boolean isValidName(String name) {
        return name != null && DNS_LABEL.matcher(name).matches();
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A builder holding every field of this spec, under {@code newName}. */
    public Builder toBuilder(String newName) {
        return new Builder(newName).image(image).resources(resources).architecture(architecture).machineType(machineType).labels(labels)
                .ttl(ttl).bootstrap(bootstrap).access(access);
    }

    /** For callers that set a few fields and leave the rest to backend defaults. */
    public static final class Builder {
        private final String name;
        private ImageRef image;
        private Resources resources;
        private Architecture architecture;
        private String machineType;
        private Map<String, String> labels = Map.of();
        private Duration ttl;
        private BootstrapSpec bootstrap;
        private SandboxAccess access;

        private Builder(String name) {
            this.name = name;
        }

        public Builder image(ImageRef value) { this.image = value; return this; }
        public Builder resources(Resources value) { this.resources = value; return this; }
        public Builder architecture(Architecture value) { this.architecture = value; return this; }
        public Builder machineType(String value) { this.machineType = value; return this; }
        public Builder labels(Map<String, String> value) { this.labels = value; return this; }
        public Builder ttl(Duration value) { this.ttl = value; return this; }
        public Builder bootstrap(BootstrapSpec value) { this.bootstrap = value; return this; }
        public Builder access(SandboxAccess value) { this.access = value; return this; }

        public SandboxSpec build() {
            return new SandboxSpec(name, image, resources, architecture, machineType, labels, ttl, bootstrap, access);
        }
    }
}
