package io.sandboxer.core.group;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An instance name: {@code <prefix>-<boot yyyyMMdd-HHmmss>-<created yyyyMMdd-HHmmss>-<6 hex>}, all UTC.
 * The boot part is the start time of the process that made it (its generation), so a restarted plugin can
 * tell its own instances from an earlier run's. The MAC address is derived from the suffix, which makes
 * the NIC recognisable in DHCP leases without asking the hypervisor.
 */
public record InstanceName(String prefix, Instant bootGeneration, Instant createdAt, String suffix) {
    public static final String DEFAULT_PREFIX = "gitlab-runner";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final Pattern PREFIX = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$");
    private static final Pattern SUFFIX = Pattern.compile("^[0-9a-f]{6}$");
    private static final Pattern NAME = Pattern.compile("^(.+)-(\\d{8}-\\d{6})-(\\d{8}-\\d{6})-([0-9a-f]{6})$");

    public InstanceName {
        Objects.requireNonNull(prefix, "prefix");
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("name prefix \"" + prefix
                    + "\" is not allowed: use 1 to 22 lower-case letters, digits and '-', starting and ending with a letter or digit");
        }
        bootGeneration = bootGeneration.truncatedTo(ChronoUnit.SECONDS);
        createdAt = createdAt.truncatedTo(ChronoUnit.SECONDS);
        if (!SUFFIX.matcher(suffix).matches()) {
            throw new IllegalArgumentException("suffix \"" + suffix + "\" must be 6 lower-case hex digits");
        }
    }

    /** True when the prefix fits into a name that is still a 63-character DNS label. */
    public static boolean isValidPrefix(String prefix) {
        return prefix != null && PREFIX.matcher(prefix).matches();
    }

    public static String prefixRule() {
        return "1 to 22 lower-case letters, digits and '-', starting and ending with a letter or digit";
    }

    public String format() {
        return prefix + "-" + stamp(bootGeneration) + "-" + stamp(createdAt) + "-" + suffix;
    }

    /** Reads a name made by {@link #format()} with the given prefix; empty for anything else. */
    public static Optional<InstanceName> parse(String name, String expectedPrefix) {
        Matcher m = NAME.matcher(name);
        if (!m.matches() || !m.group(1).equals(expectedPrefix)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new InstanceName(m.group(1), parseStamp(m.group(2)), parseStamp(m.group(3)), m.group(4)));
        } catch (DateTimeParseException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** {@code 52:54:00:xx:xx:xx} (QEMU's locally administered range) from the 6-hex suffix. */
    public String macAddress() {
        return "52:54:00:" + suffix.substring(0, 2) + ":" + suffix.substring(2, 4) + ":" + suffix.substring(4, 6);
    }

    /** The MAC for a name in this format, or empty when the name does not carry a suffix. */
    public static Optional<String> macAddressOf(String name) {
        Matcher m = NAME.matcher(name);
        return m.matches() ? Optional.of(new InstanceName(DEFAULT_PREFIX, Instant.EPOCH, Instant.EPOCH, m.group(4)).macAddress())
                : Optional.empty();
    }

    public static String stamp(Instant instant) {
        return STAMP.format(LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
    }

    private static Instant parseStamp(String text) {
        return LocalDateTime.parse(text, STAMP).toInstant(ZoneOffset.UTC);
    }

    @Override
    public String toString() {
        return format();
    }
}
