package io.sandboxer.core.bootstrap;

import io.sandboxer.core.model.OsFamily;
import java.util.List;
import java.util.Objects;

/**
 * Everything a guest needs at first boot, independent of the format that carries it (Ignition or
 * cloud-init). CA certificates are PEM texts (several certificates per text are fine).
 */
public record BootstrapSpec(
        OsFamily osFamily,
        String hostname,
        List<GuestUser> users,
        List<String> caCertificates,
        List<GuestFile> files,
        List<SystemdUnit> units,
        List<SshHostKey> hostKeys) {

    public BootstrapSpec {
        osFamily = Objects.requireNonNullElse(osFamily, OsFamily.LINUX);
        Objects.requireNonNull(hostname, "hostname");
        users = users == null ? List.of() : List.copyOf(users);
        caCertificates = caCertificates == null ? List.of() : List.copyOf(caCertificates);
        files = files == null ? List.of() : List.copyOf(files);
        units = units == null ? List.of() : List.copyOf(units);
        hostKeys = hostKeys == null ? List.of() : List.copyOf(hostKeys);
    }

    public BootstrapSpec withHostname(String newHostname) {
        return new BootstrapSpec(osFamily, newHostname, users, caCertificates, files, units, hostKeys);
    }
}
