package io.sandboxer.core.bootstrap;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a guest accepts as names, checked before rendering so a bad value is refused with a clear message
 * instead of breaking first boot. Both bootstrap renderers use these rules.
 */
public final class GuestNames {
    /** useradd's default NAME_REGEX (Debian, Flatcar), at most 32 characters. */
    private static final Pattern LINUX_USER = Pattern.compile("^[a-z_][a-z0-9_-]{0,30}[a-z0-9_$-]?$");
    /** What {@link #LINUX_USER} allows, in words. */
    public static final String LINUX_USER_RULE = "1 to 32 lower-case letters, digits, '_' and '-', starting with a letter or '_'";
    /** Windows forbids " / \ [ ] : ; | = , + * ? < > @ and names over 20 characters. */
    private static final Pattern WINDOWS_USER = Pattern.compile("^[^\"/\\\\\\[\\]:;|=,+*?<>@\\s][^\"/\\\\\\[\\]:;|=,+*?<>@]{0,19}$");
    private static final Pattern HOST_LABEL = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$");
    private static final Pattern GROUP = Pattern.compile("^[A-Za-z_][A-Za-z0-9_ -]{0,31}$");
    private static final Pattern UNIT = Pattern.compile(
            "^[A-Za-z0-9:_.\\\\@-]+\\.(service|socket|timer|target|mount|automount|path|slice|scope|swap|device)$");

    /** Longest unit file line Ignition's unit parser accepts. */
    public static final int MAX_UNIT_LINE = 2048;

    private GuestNames() {
    }

    /** Whether a Linux guest accepts {@code name} as a user name ({@link #LINUX_USER_RULE}). */
    public static boolean isLinuxUser(String name) {
        return name != null && LINUX_USER.matcher(name).matches();
    }

    /** Throws one {@link IllegalArgumentException} listing every problem of the spec. */
    public static void check(BootstrapSpec spec) {
        List<String> problems = new ArrayList<>();
        checkHostname(spec.hostname(), problems);
        boolean windows = spec.osFamily() == OsFamily.WINDOWS;
        for (GuestUser user : spec.users()) {
            Pattern rule = windows ? WINDOWS_USER : LINUX_USER;
            if (!rule.matcher(user.name()).matches()) {
                problems.add("user name \"" + user.name() + "\" is not allowed: "
                        + (windows ? "1 to 20 characters, none of \" / \\ [ ] : ; | = , + * ? < > @"
                                : LINUX_USER_RULE));
            }
            for (String group : user.groups()) {
                if (!GROUP.matcher(group).matches()) {
                    problems.add("group \"" + group + "\" of user " + user.name() + " is not allowed: letters, digits, '_', '-' and spaces, at most 32");
                }
            }
            if (user.shell() != null && !user.shell().matches("^/[A-Za-z0-9_./-]+$") && !windows) {
                problems.add("shell \"" + user.shell() + "\" of user " + user.name() + " must be an absolute path");
            }
            if (windows && user.password() instanceof UserPassword.Hashed) {
                problems.add("user " + user.name() + ": Windows guests (Cloudbase-Init) need the plain password, not a crypt hash");
            }
            if (!windows && user.password() instanceof UserPassword.Plain) {
                problems.add("user " + user.name() + ": Linux guests take a crypt hash ($6$...), never a plain password");
            }
            for (String key : user.authorizedKeys()) {
                if (key.contains("\n") || key.contains("\r") || !key.matches("^(ssh-|ecdsa-|sk-)\\S+ \\S+( .*)?$")) {
                    problems.add("an authorized key of user " + user.name() + " is not one OpenSSH public key line");
                }
            }
        }
        for (GuestFile file : spec.files()) {
            if (file.path().contains("\n") || file.path().contains("/../") || file.path().endsWith("/..") || file.path().endsWith("/")) {
                problems.add("guest file path \"" + file.path().replace("\n", "\\n") + "\" is not a plain absolute file path");
            }
        }
        for (SystemdUnit unit : spec.units()) {
            if (unit.contents() != null && unit.contents().lines().anyMatch(l -> l.getBytes(StandardCharsets.UTF_8).length > MAX_UNIT_LINE)) {
                problems.add("systemd unit " + unit.name() + " has a line over " + MAX_UNIT_LINE + " bytes, which Ignition and systemd refuse");
            }
            if (unit.enabled() && unit.contents() != null && unit.contents().lines().noneMatch(l -> l.strip().equals("[Install]"))) {
                problems.add("systemd unit " + unit.name() + " is to be enabled but has no [Install] section, so enabling would do nothing");
            }
            if (!UNIT.matcher(unit.name()).matches()) {
                problems.add("systemd unit name \"" + unit.name() + "\" is not allowed: letters, digits, ':', '_', '.', '@', '-' and a unit suffix such as .service");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    private static void checkHostname(String hostname, List<String> problems) {
        if (hostname.length() > 253) {
            problems.add("hostname is " + hostname.length() + " characters long: at most 253");
            return;
        }
        for (String label : hostname.split("\\.", -1)) {
            if (!HOST_LABEL.matcher(label).matches()) {
                problems.add("hostname \"" + hostname + "\" is not allowed: each dot-separated part must be 1 to 63 letters, digits "
                        + "and '-', not starting or ending with '-'");
                return;
            }
        }
    }
}
