package io.sandboxer.core.group;

import io.sandboxer.core.bootstrap.CaCertificate;
import io.sandboxer.core.bootstrap.CaCertificates;
import io.sandboxer.core.credentials.PasswordHashAlgorithm;
import io.sandboxer.core.settings.SettingsException;
import io.sandboxer.core.settings.Validated;
import io.sandboxer.core.settings.Validation;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The settings every group has, whatever its backend, bound once from the same JSON object as the backend's own
 * record (which receives only its own keys): the backend's name, the instance name prefix ({@code domain_prefix},
 * the libvirt Go plugin's name, or {@code name_prefix}), the owner label, the Fleet's limits, the start-up sweep
 * policy, the two guest-access inputs (extra CA certificates, password hash) and the warm pool ({@link PoolSettings}).
 */
public record GroupSettings(
        String provider,
        String domainPrefix,
        String namePrefix,
        String group,
        Integer maxSize,
        Integer maxParallelCreates,
        SweepPolicy sweepPolicy,
        String caCertificatesPath,
        PasswordHashAlgorithm passwordHash,
        PoolSettings pool) implements Validated {

    public static final int DEFAULT_PARALLEL_CREATES = 4;
    public static final int MAX_PARALLEL_CREATES = 64;
    /** A Kubernetes label value (the strictest place a group name goes), never empty. */
    private static final Pattern GROUP = Pattern.compile("^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");

    public GroupSettings {
        maxParallelCreates = Objects.requireNonNullElse(maxParallelCreates, DEFAULT_PARALLEL_CREATES);
        sweepPolicy = Objects.requireNonNullElse(sweepPolicy, SweepPolicy.DELETE);
        passwordHash = Objects.requireNonNullElse(passwordHash, PasswordHashAlgorithm.SHA512_CRYPT);
        pool = Objects.requireNonNullElse(pool, PoolSettings.none());
    }

    /** Defaults only: what an embedding caller gets without any group keys. */
    public static GroupSettings defaults() {
        return new GroupSettings(null, null, null, null, null, null, null, null, null, null);
    }

    /** The prefix of every instance name: {@code domain_prefix}, else {@code name_prefix}, else {@value InstanceName#DEFAULT_PREFIX}. */
    public String prefix() {
        return domainPrefix != null ? domainPrefix : namePrefix != null ? namePrefix : InstanceName.DEFAULT_PREFIX;
    }

    /** The owner label the backend marks and selects the group's sandboxes by; the prefix unless set. */
    public String owner() {
        return group != null ? group : prefix();
    }

    /** The backend's name, or {@code fallback} (the launcher's own backend) when the settings name none. */
    public String backend(String fallback) {
        return provider != null ? provider : fallback;
    }

    @Override
    public void validate(Validation check) {
        check.atMostOne(List.of("domain_prefix", "name_prefix"), Arrays.asList(domainPrefix, namePrefix))
                .atLeast("max_size", maxSize, 1)
                .between("max_parallel_creates", maxParallelCreates, 1, MAX_PARALLEL_CREATES)
                .notBlank("provider", provider);
        for (String[] prefix : new String[][] {{"domain_prefix", domainPrefix}, {"name_prefix", namePrefix}}) {
            if (prefix[1] != null && !InstanceName.isValidPrefix(prefix[1])) {
                check.fail(prefix[0], prefix[1], InstanceName.prefixRule());
            }
        }
        if (group != null && !GROUP.matcher(group).matches()) {
            check.fail("group", group, "a Kubernetes label value: up to 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
        }
        if (caCertificatesPath != null && !caCertificatesPath.startsWith("/")) {
            check.fail("ca_certificates_path", caCertificatesPath, "must be an absolute path");
        }
    }

    /**
     * The extra CA certificates every guest of the group gets, read now (before anything is created); an error names
     * {@code ca_certificates_path}.
     */
    public List<CaCertificate> caCertificates() {
        if (caCertificatesPath == null) {
            return List.of();
        }
        try {
            return CaCertificates.load(Path.of(caCertificatesPath));
        } catch (IllegalArgumentException e) {
            throw SettingsException.single("ca_certificates_path", caCertificatesPath, e.getMessage());
        }
    }
}
