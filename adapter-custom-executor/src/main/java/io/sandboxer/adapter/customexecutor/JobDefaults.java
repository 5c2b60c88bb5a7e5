package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.model.Architecture;
import io.sandboxer.core.model.ImageRef;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.model.ResourceRequirement;
import io.sandboxer.core.model.Resources;
import io.sandboxer.core.provider.SandboxDefaults;
import io.sandboxer.core.settings.GoDuration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * The runner-side defaults of a job's sandbox, with the KubeVirt Go tool's flag names, and their per-job
 * overrides from job variables ({@code VM_*}, {@code CI_JOB_IMAGE}, read as {@code CUSTOM_ENV_*}).
 */
final class JobDefaults {
    @Option(names = "--default-image", description = "Image when the job names none (KubeVirt: containerDisk; libvirt: base volume in the pool).")
    String image;
    @Option(names = "--allowed-image", paramLabel = "PATTERN", description = "An image a job may choose with image: besides the "
            + "configured one(s); * matches any text, ? one character (repeatable). Default: only --default-image and the settings' image.")
    List<String> allowedImages = new ArrayList<>();
    @Option(names = "--default-machine-type", description = "Machine type (KubeVirt: q35 on amd64, virt on arm64).")
    String machineType;
    @Option(names = "--default-architecture", description = "amd64 or arm64.")
    String architecture;
    @Option(names = "--default-cpu-request", description = "CPU request, e.g. 1 or 500m.")
    String cpuRequest;
    @Option(names = "--default-cpu-limit", description = "CPU limit.")
    String cpuLimit;
    @Option(names = "--default-memory-request", description = "Memory request, e.g. 1Gi.")
    String memoryRequest;
    @Option(names = "--default-memory-limit", description = "Memory limit.")
    String memoryLimit;
    @Option(names = "--default-ephemeral-storage-request", description = "Ephemeral storage request.")
    String storageRequest;
    @Option(names = "--default-ephemeral-storage-limit", description = "Ephemeral storage limit.")
    String storageLimit;

    /** The job's value, else the runner's default; null when neither is set. */
    private static String pick(RunnerEnvironment env, String variable, String fallback) {
        return env.job(variable).orElse(fallback);
    }

    /**
     * The job's image when the runner allows it, else the default; {@code settingsImage} is the image the backend
     * settings name (libvirt base_volume_name, KubeVirt image), which a job may always ask for by name.
     */
    Optional<String> image(RunnerEnvironment env, String settingsImage) {
        ImageAllowList allowed = new ImageAllowList(Arrays.asList(image, settingsImage), allowedImages);
        return env.job("CI_JOB_IMAGE").map(i -> allowed.check(i, "CUSTOM_ENV_CI_JOB_IMAGE")).or(() -> Optional.ofNullable(image));
    }

    /** The job's (or the runner's default) image as the backend boots it ({@code named}: the backend's reading of a name). */
    ImageRef imageRef(RunnerEnvironment env, String settingsImage, Function<String, ImageRef> named) {
        return image(env, settingsImage).map(named).orElse(null);
    }

    /** The job's or runner's machine type, by its shape here; the backend checks it against what the host offers. */
    String machineType(RunnerEnvironment env) {
        String value = pick(env, "VM_MACHINE_TYPE", machineType);
        if (value != null && !MACHINE_TYPE.matcher(value).matches()) {
            throw new StageException(source(env, "VM_MACHINE_TYPE", "--default-machine-type") + " \"" + value
                    + "\" is not allowed: a machine type such as q35, pc or virt (letters, digits, '.', '_' and '-')");
        }
        return value;
    }

    private static final Pattern MACHINE_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    Architecture architecture(RunnerEnvironment env) {
        String value = pick(env, "VM_ARCHITECTURE", architecture);
        try {
            return value == null ? null : Architecture.parse(value);
        } catch (IllegalArgumentException e) {
            throw new StageException(source(env, "VM_ARCHITECTURE", "--default-architecture") + ": " + e.getMessage());
        }
    }

    /**
     * The job's {@code VM_TTL}, at most {@code --max-ttl}, else at most the settings' {@code ttl} ({@code configured}):
     * a job may shorten its VM's life, not make it outlast what the runner chose. Neither set: no bound, as with the
     * KubeVirt Go tool. Null when the job sets none (the backend's ttl then applies).
     */
    Duration ttl(RunnerEnvironment env, Duration configured) {
        return env.job("VM_TTL").map(v -> {
            Duration ttl;
            try {
                ttl = GoDuration.parse(v);
            } catch (IllegalArgumentException e) {
                throw new StageException("CUSTOM_ENV_VM_TTL: " + e.getMessage());
            }
            Duration max = maxTtl != null ? maxTtl : configured;
            if (max != null && ttl.compareTo(max) > 0) {
                throw new StageException("CUSTOM_ENV_VM_TTL \"" + v + "\" is not allowed: the runner's maximum is " + GoDuration.format(max)
                        + (maxTtl != null ? " (--max-ttl)" : " (the settings' ttl; an operator allows more with prepare --max-ttl)"));
            }
            return ttl;
        }).orElse(null);
    }

    @Option(names = "--max-ttl", converter = GoDurations.Positive.class, description = "Longest VM_TTL a job may give its VM, e.g. 4h; "
            + "default: the settings' ttl when set (a job may shorten it, not extend it), else no limit.")
    Duration maxTtl;

    @Option(names = "--max-cpu", description = "Most CPU a job may ask for with VM_CPU_*; default: the configured CPU (a job can only ask for less).")
    String maxCpu;
    @Option(names = "--max-memory", description = "Most memory a job may ask for with VM_MEMORY_*, e.g. 8Gi; default: the configured memory.")
    String maxMemory;
    @Option(names = "--max-storage", description = "Most storage a job may ask for with VM_STORAGE_*, e.g. 40Gi; default: the configured size.")
    String maxStorage;

    /** The sizes: the runner's defaults, overridden by job variables within the runner's {@link ResourceLimits}. */
    Resources resources(RunnerEnvironment env, SandboxDefaults configured) {
        ResourceLimits limits = ResourceLimits.of(maxCpu, maxMemory, maxStorage, this, configured);
        return new Resources(
                requirement(env, "VM_CPU_REQUEST", cpuRequest, "VM_CPU_LIMIT", cpuLimit, limits.cpu()),
                requirement(env, "VM_MEMORY_REQUEST", memoryRequest, "VM_MEMORY_LIMIT", memoryLimit, limits.memory()),
                requirement(env, "VM_STORAGE_REQUEST", storageRequest, "VM_STORAGE_LIMIT", storageLimit, limits.storage()));
    }

    private static ResourceRequirement requirement(RunnerEnvironment env, String requestVar, String requestDefault, String limitVar,
            String limitDefault, ResourceLimits.Limit bounds) {
        Quantity request = bounded(env, requestVar, quantity(env, requestVar, requestDefault), bounds);
        Quantity limit = bounded(env, limitVar, quantity(env, limitVar, limitDefault), bounds);
        try {
            return new ResourceRequirement(request, limit);
        } catch (IllegalArgumentException e) {
            throw new StageException(requestVar + "/" + limitVar + ": " + e.getMessage());
        }
    }

    /** Only what a job chose is bounded; the runner's own defaults are the operator's business. */
    private static Quantity bounded(RunnerEnvironment env, String variable, Quantity value, ResourceLimits.Limit bounds) {
        return value != null && env.job(variable).isPresent() ? bounds.check("CUSTOM_ENV_" + variable, value) : value;
    }

    private static Quantity quantity(RunnerEnvironment env, String variable, String fallback) {
        String value = pick(env, variable, fallback);
        try {
            return value == null ? null : Quantity.parse(value);
        } catch (IllegalArgumentException e) {
            throw new StageException((env.job(variable).isPresent() ? "CUSTOM_ENV_" + variable : "the default for " + variable) + ": "
                    + e.getMessage());
        }
    }

    private static String source(RunnerEnvironment env, String variable, String flag) {
        return env.job(variable).isPresent() ? "CUSTOM_ENV_" + variable : flag;
    }
}
