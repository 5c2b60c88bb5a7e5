package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.model.Resources;
import io.sandboxer.core.provider.SandboxDefaults;
import java.util.Optional;

/**
 * What a job may ask for with its {@code VM_*} variables, per resource: at most the runner's maximum, at least the
 * minimum a guest can run with. The maximum is {@code --max-<resource>} when given, else what the runner configured
 * for that resource (the {@code --default-*} flags, else the backend settings: libvirt {@code vcpu_count},
 * {@code memory_mib}, {@code disk_size_gib}; KubeVirt {@code cpu_limit}/{@code cpu_request} and so on), so by
 * default a job can ask for less than the runner gives, never more. Without any of them a job cannot size that
 * resource at all. Values are compared exactly (no overflow: {@code 9Ei} is simply too much).
 */
record ResourceLimits(Limit cpu, Limit memory, Limit storage) {
    static final Quantity MIN_CPU = Resources.MIN_CPU;
    static final Quantity MIN_MEMORY = Resources.MIN_MEMORY;
    static final Quantity MIN_STORAGE = Resources.MIN_STORAGE;

    /** One resource's bounds; {@code maximum} empty = the runner configured none, so jobs may not set it. */
    record Limit(String resource, String maxFlag, Optional<Quantity> maximum, Quantity minimum) {

        /** Checks a job's value; {@code variable} is the CUSTOM_ENV_ name that carried it. */
        Quantity check(String variable, Quantity value) {
            if (maximum.isEmpty()) {
                throw new StageException(variable + " \"" + value + "\" is not allowed: the runner sets no " + resource
                        + " maximum, so jobs cannot choose it (an operator allows it with prepare " + maxFlag + ")");
            }
            if (value.compareTo(maximum.get()) > 0) {
                throw new StageException(variable + " \"" + value + "\" is not allowed: the runner's " + resource + " maximum is "
                        + maximum.get() + " (" + maxFlag + ")");
            }
            if (value.compareTo(minimum) < 0) {
                throw new StageException(variable + " \"" + value + "\" is not allowed: the " + resource + " minimum is " + minimum);
            }
            return value;
        }
    }

    /**
     * Builds the limits from the flags, the job-side defaults and the sizes the operator's backend settings name
     * ({@code configured}: libvirt {@code vcpu_count}..., KubeVirt {@code cpu_limit}/{@code cpu_request}..., read by the
     * backend). The settings' own values are checked by the backend; these only bound what jobs ask for.
     */
    static ResourceLimits of(String maxCpu, String maxMemory, String maxStorage, JobDefaults defaults, SandboxDefaults configured) {
        return new ResourceLimits(
                limit("CPU", "cpu", maxCpu, defaults.cpuLimit, defaults.cpuRequest, configured.cpu(), MIN_CPU, Resources.MAX_CPU),
                limit("memory", "memory", maxMemory, defaults.memoryLimit, defaults.memoryRequest, configured.memory(), MIN_MEMORY, Resources.MAX_MEMORY),
                new Limit("storage", "--max-storage", first(parse("--max-storage", maxStorage, MIN_STORAGE, Resources.MAX_STORAGE),
                        parse("--default-ephemeral-storage-limit", defaults.storageLimit, MIN_STORAGE, Resources.MAX_STORAGE),
                        parse("--default-ephemeral-storage-request", defaults.storageRequest, MIN_STORAGE, Resources.MAX_STORAGE),
                        Optional.ofNullable(configured.storage())), MIN_STORAGE));
    }

    /** {@code --max-<flag>}, else {@code --default-<flag>-limit}, {@code --default-<flag>-request}, else the settings' size. */
    private static Limit limit(String resource, String flag, String max, String defaultLimit, String defaultRequest, Quantity configured,
            Quantity minimum, Quantity maximum) {
        return new Limit(resource, "--max-" + flag, first(parse("--max-" + flag, max, minimum, maximum),
                parse("--default-" + flag + "-limit", defaultLimit, minimum, maximum),
                parse("--default-" + flag + "-request", defaultRequest, minimum, maximum), Optional.ofNullable(configured)), minimum);
    }

    @SafeVarargs
    private static Optional<Quantity> first(Optional<Quantity>... candidates) {
        for (Optional<Quantity> c : candidates) {
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    /** An operator's flag: a quantity within what any backend can give (a larger one is a typo, not a policy). */
    private static Optional<Quantity> parse(String flag, String value, Quantity minimum, Quantity maximum) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        Quantity q;
        try {
            q = Quantity.parse(value);
        } catch (IllegalArgumentException e) {
            throw new StageException(flag + ": " + e.getMessage());
        }
        if (q.compareTo(minimum) < 0 || q.compareTo(maximum) > 0) {
            throw new StageException(flag + " \"" + value + "\" is not allowed: it must be between " + minimum + " and " + maximum);
        }
        return Optional.of(q);
    }
}
