package io.sandboxer.core.group;

import io.sandboxer.core.bootstrap.GuestNames;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.settings.Validated;
import io.sandboxer.core.settings.Validation;
import java.time.Duration;
import java.util.Objects;

/**
 * The warm pool's keys ({@code "pool": {...}} in the group's settings): how many ready sandboxes to keep
 * ({@code size}, 0: no pool), when an unclaimed one is recycled ({@code max_age}), how long a new one may take to boot
 * ({@code boot_timeout}), and the pool's own spec: {@code image}, {@code cpu}, {@code memory}, {@code storage} (unset:
 * what a job gets by default), {@code ssh_user} and {@code ssh_port} of the login the sandboxes are made for. A job whose
 * sandbox would differ in any of these is created cold.
 */
public record PoolSettings(
        Integer size,
        Duration maxAge,
        Duration bootTimeout,
        String image,
        Quantity cpu,
        Quantity memory,
        Quantity storage,
        String sshUser,
        Integer sshPort) implements Validated {

    public static final int MAX_SIZE = 100;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(4);
    public static final Duration DEFAULT_BOOT_TIMEOUT = Duration.ofMinutes(15);
    public static final String DEFAULT_USER = "runner";

    public PoolSettings {
        size = Objects.requireNonNullElse(size, 0);
        maxAge = Objects.requireNonNullElse(maxAge, DEFAULT_MAX_AGE);
        bootTimeout = Objects.requireNonNullElse(bootTimeout, DEFAULT_BOOT_TIMEOUT);
        sshUser = Objects.requireNonNullElse(sshUser, DEFAULT_USER);
        sshPort = Objects.requireNonNullElse(sshPort, 22);
    }

    /** No pool: every job is created cold. */
    public static PoolSettings none() {
        return new PoolSettings(null, null, null, null, null, null, null, null, null);
    }

    public boolean enabled() {
        return size > 0;
    }

    @Override
    public void validate(Validation check) {
        check.between("size", size, 0, MAX_SIZE).between("ssh_port", sshPort, 1, 65535);
        if (!GuestNames.isLinuxUser(sshUser)) { // pooled sandboxes are Linux guests reached over SSH
            check.fail("ssh_user", sshUser, GuestNames.LINUX_USER_RULE);
        }
        if (maxAge.compareTo(Duration.ofMinutes(1)) < 0) {
            check.fail("max_age", maxAge, "at least 1m (an unclaimed sandbox older than this is replaced)");
        }
        if (bootTimeout.compareTo(Duration.ofSeconds(10)) < 0) {
            check.fail("boot_timeout", bootTimeout, "at least 10s");
        }
        if (image != null && image.isBlank()) {
            check.fail("image", image, "an image name, or leave it out for the default image");
        }
    }
}
