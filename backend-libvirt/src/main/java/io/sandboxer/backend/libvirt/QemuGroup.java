package io.sandboxer.backend.libvirt;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The group QEMU runs under on this host, so bootstrap files can be 0640 with that group instead of
 * world-readable: the primary group of the first QEMU user that exists (Debian {@code libvirt-qemu}, Fedora
 * {@code qemu}), found in {@code /etc/passwd} and {@code /etc/group}.
 */
final class QemuGroup {
    private static final List<String> QEMU_USERS = List.of("libvirt-qemu", "qemu");

    private QemuGroup() {
    }

    static Optional<String> name() {
        try {
            List<String> passwd = Files.readAllLines(Path.of("/etc/passwd"));
            List<String> groups = Files.readAllLines(Path.of("/etc/group"));
            for (String user : QEMU_USERS) {
                for (String line : passwd) {
                    String[] f = line.split(":");
                    if (f.length > 3 && f[0].equals(user)) {
                        for (String g : groups) {
                            String[] gf = g.split(":");
                            if (gf.length > 2 && gf[2].equals(f[3])) {
                                return Optional.of(gf[0]);
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
