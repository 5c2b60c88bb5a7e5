package io.sandboxer.core.testing;

import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.bootstrap.CaCertificate;
import io.sandboxer.core.bootstrap.CaCertificates;
import io.sandboxer.core.bootstrap.GuestFile;
import io.sandboxer.core.bootstrap.GuestUser;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.bootstrap.SshHostKey;
import io.sandboxer.core.bootstrap.SystemdUnit;
import io.sandboxer.core.bootstrap.UserPassword;
import io.sandboxer.core.credentials.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Bootstrap specs for renderer tests: the representative cases of the golden files, and random specs full
 * of strings that break naive YAML/JSON writers, for round-trip tests.
 */
public final class BootstrapFixtures {
    /** A fixed SHA-512 crypt hash (of "sandboxer"), so golden files are stable. */
    public static final String SHA512_HASH = "$6$goldensaltgolden$aAcocYANW9mpyhVgoz8IGBTB2ud4UDJ3I7I1HqpEbpontx/M83R6ydVvMuIDFat4OBKHcgal836stBuCkjOgy0";

    private BootstrapFixtures() {
    }

    public static Path caPath(String name) {
        return TestResources.path("/ca/" + name);
    }

    /** Flatcar: update the image's own {@code core} user with a key and a password, CAs from a directory. */
    public static BootstrapSpec flatcar() {
        GuestUser core = new GuestUser("core", new UserPassword.Hashed(Secret.of(SHA512_HASH)),
                List.of(Keys.load("openssh_ed25519").authorizedKeysLine()), List.of(), null, false);
        List<CaCertificate> cas = CaCertificates.load(caPath("dir"));
        return new BootstrapSpec(OsFamily.LINUX, "gitlab-runner-20261122-100000-20261122-100500-0a1b2c", List.of(core), cas, List.of(),
                List.of(), List.of(new SshHostKey(Keys.load("openssh_ecdsa"))), false);
    }

    /** A Debian-like guest: a new sudo user with password and key, a CA, a file, a unit, a host key. */
    public static BootstrapSpec linux() {
        GuestUser runner = new GuestUser("runner", new UserPassword.Hashed(Secret.of(SHA512_HASH)),
                List.of(Keys.load("openssh_ed25519").authorizedKeysLine(), Keys.publicLine("openssh_rsa")), List.of("sudo", "docker"),
                "/bin/bash", true);
        GuestFile marker = GuestFile.text("/etc/sandboxer/marker", "written by sandboxer\n", 0640);
        SystemdUnit unit = new SystemdUnit("sandboxer-hello.service", """
                [Unit]
                Description=Say hello once

                [Service]
                Type=oneshot
                ExecStart=/bin/echo hello

                [Install]
                WantedBy=multi-user.target
                """, true);
        return new BootstrapSpec(OsFamily.LINUX, "sandbox-linux", List.of(runner), CaCertificates.load(caPath("single.pem")), List.of(marker),
                List.of(unit), List.of(new SshHostKey(Keys.load("openssh_ed25519"))), true);
    }

    /** A Windows guest through Cloudbase-Init: a plain password, a key, a file. */
    public static BootstrapSpec windows() {
        GuestUser runner = new GuestUser("runner", new UserPassword.Plain(Secret.of("Plain-Passw0rd-for-Windows")),
                List.of(Keys.load("openssh_ed25519").authorizedKeysLine()), List.of(), null, false);
        return new BootstrapSpec(OsFamily.WINDOWS, "sandbox-win", List.of(runner), List.of(),
                List.of(GuestFile.text("C:/sandboxer/marker.txt", "written by sandboxer\r\n", 0644)), List.of(), List.of(), false);
    }

    /** Strings that a writer that concatenates text would break: YAML indicators, quotes, newlines, tabs, unicode, length. */
    public static List<String> nastyStrings() {
        return List.of("plain", "", " leading space", "trailing space ", "colon: value", "# not a comment", "- dash", "* star", "& anchor",
                "! tag", "%percent", "@at", "`backtick`", "'single'", "\"double\"", "line1\nline2", "tab\there", "\r\nwindows", "yes", "no",
                "null", "~", "0x1F", "1e3", "0777", "{braces}", "[brackets]", "| pipe", "> fold", "?question", "ümlaut ☃ 日本語 🎉",
                "\\backslash\\", "ends with newline\n", "\n\nleading newlines", "x".repeat(10_000), "$6$rounds=5000$salt$hash:with:colons");
    }

    /** A random Linux spec whose free-text fields come from {@link #nastyStrings()} and random bytes. */
    public static BootstrapSpec randomLinux(Random random) {
        List<String> nasty = nastyStrings();
        List<GuestUser> users = new ArrayList<>();
        int userCount = 1 + random.nextInt(3);
        for (int i = 0; i < userCount; i++) {
            String key = Keys.load("openssh_ed25519").authorizedKeysLine() + " " + oneLine(pick(random, nasty));
            String hash = "$6$" + oneLine(pick(random, nasty));
            users.add(new GuestUser("user" + i + "_" + random.nextInt(1000), new UserPassword.Hashed(Secret.of(hash)), List.of(key.strip()),
                    List.of("group" + i), random.nextBoolean() ? "/bin/bash" : null, random.nextBoolean()));
        }
        List<GuestFile> files = new ArrayList<>();
        int fileCount = random.nextInt(4);
        for (int i = 0; i < fileCount; i++) {
            byte[] content = random.nextBoolean() ? pick(random, nasty).getBytes(StandardCharsets.UTF_8) : randomBytes(random);
            files.add(new GuestFile("/opt/dir with space/ünï:#" + i + ".txt", content, random.nextBoolean() ? 0600 : 0755, null));
        }
        String description = oneLine(pick(random, nasty));
        String unitText = "[Unit]\nDescription=" + description.substring(0, Math.min(description.length(), 1000)) + "\n\n[Service]\nExecStart=/bin/true\n\n[Install]\nWantedBy=multi-user.target\n";
        List<SystemdUnit> units = List.of(new SystemdUnit("sandboxer-" + random.nextInt(100) + ".service", unitText, random.nextBoolean()));
        return new BootstrapSpec(OsFamily.LINUX, "host-" + random.nextInt(100_000), users, CaCertificates.load(caPath("dir")), files, units,
                List.of(new SshHostKey(Keys.load("openssh_ed25519"))), random.nextBoolean());
    }

    /** A random Windows spec with a nasty plain password. */
    public static BootstrapSpec randomWindows(Random random) {
        String password = pick(random, nastyStrings());
        GuestUser user = new GuestUser("runner" + random.nextInt(100), new UserPassword.Plain(Secret.of(password)), List.of(), List.of(), null, false);
        List<GuestFile> files = List.of(new GuestFile("C:/data/" + random.nextInt(100) + ".bin", randomBytes(random), 0644, null));
        return new BootstrapSpec(OsFamily.WINDOWS, "win-" + random.nextInt(1000), List.of(user), List.of(), files, List.of(), List.of(), false);
    }

    private static String oneLine(String s) {
        return s.replace("\n", " ").replace("\r", " ");
    }

    private static String pick(Random random, List<String> values) {
        return values.get(random.nextInt(values.size()));
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(2048)];
        random.nextBytes(bytes);
        return bytes;
    }
}
