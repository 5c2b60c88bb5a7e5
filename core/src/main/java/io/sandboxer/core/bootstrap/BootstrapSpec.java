package io.sandboxer.core.bootstrap;

import java.util.List;
import java.util.Objects;

/**
 * Everything a guest needs at first boot, independent of the format that carries it (Ignition or
 * cloud-init). {@code sshPasswordAuthentication} turns on password logins over SSH (off by default: keys
 * are enough for sandboxer's own connections).
 */
public record BootstrapSpec(
        OsFamily osFamily,
        String hostname,
        List<GuestUser> users,
        List<CaCertificate> caCertificates,
        List<GuestFile> files,
        List<SystemdUnit> units,
        List<SshHostKey> hostKeys,
        boolean sshPasswordAuthentication) {

    public BootstrapSpec {
        osFamily = Objects.requireNonNullElse(osFamily, OsFamily.LINUX);
        Objects.requireNonNull(hostname, "hostname");
        users = users == null ? List.of() : List.copyOf(users);
        caCertificates = caCertificates == null ? List.of() : List.copyOf(caCertificates);
        files = files == null ? List.of() : List.copyOf(files);
        units = units == null ? List.of() : List.copyOf(units);
        hostKeys = hostKeys == null ? List.of() : List.copyOf(hostKeys);
    }

    /** A Linux spec with just a hostname and users; add the rest with the wither methods or the constructor. */
    public static BootstrapSpec linux(String hostname, List<GuestUser> users) {
        return new BootstrapSpec(OsFamily.LINUX, hostname, users, List.of(), List.of(), List.of(), List.of(), false);
    }

    public BootstrapSpec withHostname(String newHostname) {
        return new BootstrapSpec(osFamily, newHostname, users, caCertificates, files, units, hostKeys, sshPasswordAuthentication);
    }
}
