package io.sandboxer.backend.kubevirt;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.model.Architecture;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.model.Resources;
import io.sandboxer.core.settings.Validated;
import io.sandboxer.core.settings.Validation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Settings of the KubeVirt backend. Defaults follow the KubeVirt Go custom executor (namespace
 * {@code gitlab-runner}, 1 CPU, 1Gi memory, TTL 3h); everything can be overridden per sandbox by the spec.
 */
public record KubevirtSettings(
        String kubeconfig,
        Boolean inCluster,
        String namespace,
        String image,
        String imagePullPolicy,
        String imagePullSecret,
        String machineType,
        Architecture architecture,
        Quantity cpuRequest,
        Quantity cpuLimit,
        Quantity memoryRequest,
        Quantity memoryLimit,
        Quantity ephemeralStorageRequest,
        Quantity ephemeralStorageLimit,
        Map<String, String> nodeSelector,
        List<Toleration> tolerations,
        String sshUser,
        Integer sshPort,
        OsFamily os,
        Duration ttl,
        Duration readyTimeout,
        AccessMode access) implements Validated {

    /** A Kubernetes toleration, as in a pod spec. */
    public record Toleration(String key, String operator, String value, String effect, Long tolerationSeconds) implements Validated {
        @Override
        public void validate(Validation check) {
            check.oneOf("operator", operator, List.of("Exists", "Equal"))
                    .oneOf("effect", effect, List.of("NoSchedule", "PreferNoSchedule", "NoExecute"));
        }
    }

    private static final Pattern IMAGE = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,511}$");
    private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
    private static final Pattern AMD64_MACHINE = Pattern.compile("^(q35|pc-q35)[-A-Za-z0-9._]*$");
    private static final Pattern ARM64_MACHINE = Pattern.compile("^virt[-A-Za-z0-9._]*$");

    public KubevirtSettings {
        inCluster = Objects.requireNonNullElse(inCluster, Boolean.FALSE);
        namespace = Objects.requireNonNullElse(namespace, "gitlab-runner");
        imagePullPolicy = Objects.requireNonNullElse(imagePullPolicy, "IfNotPresent");
        architecture = Objects.requireNonNullElse(architecture, Architecture.AMD64);
        cpuRequest = Objects.requireNonNullElse(cpuRequest, Quantity.parse("1"));
        cpuLimit = Objects.requireNonNullElse(cpuLimit, Quantity.parse("1"));
        memoryRequest = Objects.requireNonNullElse(memoryRequest, Quantity.parse("1Gi"));
        memoryLimit = Objects.requireNonNullElse(memoryLimit, Quantity.parse("1Gi"));
        nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
        tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
        sshUser = Objects.requireNonNullElse(sshUser, "runner");
        sshPort = Objects.requireNonNullElse(sshPort, 22);
        os = Objects.requireNonNullElse(os, OsFamily.LINUX);
        ttl = Objects.requireNonNullElse(ttl, Duration.ofHours(3));
        readyTimeout = Objects.requireNonNullElse(readyTimeout, Duration.ofMinutes(10));
        access = Objects.requireNonNullElse(access, AccessMode.AUTO);
    }

    @Override
    public void validate(Validation check) {
        check.matches("namespace", namespace, DNS_LABEL, "a Kubernetes namespace name (lower-case DNS label)")
                .oneOf("image_pull_policy", imagePullPolicy, List.of("Always", "IfNotPresent", "Never"))
                .between("ssh_port", sshPort, 1, 65535);
        if (inCluster && kubeconfig != null) {
            check.failMissing("in_cluster / kubeconfig", "set either in_cluster or kubeconfig, not both");
        }
        machineTypeProblem(machineType, architecture).ifPresent(problem -> check.fail("machine_type", machineType, problem));
        sizeWithin(check, "cpu_request", cpuRequest, Resources.MIN_CPU, Resources.MAX_CPU);
        sizeWithin(check, "cpu_limit", cpuLimit, Resources.MIN_CPU, Resources.MAX_CPU);
        sizeWithin(check, "memory_request", memoryRequest, Resources.MIN_MEMORY, Resources.MAX_MEMORY);
        sizeWithin(check, "memory_limit", memoryLimit, Resources.MIN_MEMORY, Resources.MAX_MEMORY);
        sizeWithin(check, "ephemeral_storage_request", ephemeralStorageRequest, Resources.MIN_STORAGE, Resources.MAX_STORAGE);
        sizeWithin(check, "ephemeral_storage_limit", ephemeralStorageLimit, Resources.MIN_STORAGE, Resources.MAX_STORAGE);
        check.notBlank("kubeconfig", kubeconfig)
                .notBlank("image", image)
                .notBlank("image_pull_secret", imagePullSecret)
                .notBlank("ssh_user", sshUser);
        if (image != null && !image.isBlank() && !IMAGE.matcher(image).matches()) {
            check.fail("image", image, "a container image reference such as quay.io/containerdisks/fedora:40 (no spaces or control characters)");
        }
        requestWithinLimit(check, "cpu_request", cpuRequest, cpuLimit);
        requestWithinLimit(check, "memory_request", memoryRequest, memoryLimit);
        requestWithinLimit(check, "ephemeral_storage_request", ephemeralStorageRequest, ephemeralStorageLimit);
        if (ttl.isNegative() || ttl.isZero()) {
            check.fail("ttl", ttl, "must be positive");
        }
        if (readyTimeout.isNegative() || readyTimeout.isZero()) {
            check.fail("ready_timeout", readyTimeout, "must be positive");
        }
    }

    /**
     * KubeVirt's admission webhook accepts only emulated machines of the architecture: q35/pc-q35 on amd64, virt
     * on arm64 (no microvm). Checked here so the error comes before anything is created.
     */
    static Optional<String> machineTypeProblem(String machineType, Architecture architecture) {
        if (machineType == null) {
            return Optional.empty();
        }
        Pattern allowed = architecture == Architecture.ARM64 ? ARM64_MACHINE : AMD64_MACHINE;
        return allowed.matcher(machineType).matches() ? Optional.empty()
                : Optional.of("KubeVirt on " + architecture.goName() + " accepts "
                        + (architecture == Architecture.ARM64 ? "virt machine types (virt, virt-rhel9.6.0...)" : "q35 machine types (q35, pc-q35-rhel9.6.0...)")
                        + "; microvm and others are rejected by its admission webhook");
    }

    private static void sizeWithin(Validation check, String field, Quantity value, Quantity min, Quantity max) {
        if (value != null && (value.compareTo(min) < 0 || value.compareTo(max) > 0)) {
            check.fail(field, value.text(), "must be between " + min.text() + " and " + max.text());
        }
    }

    private static void requestWithinLimit(Validation check, String field, Quantity request, Quantity limit) {
        if (request != null && limit != null && request.compareTo(limit) > 0) {
            check.fail(field, request.text(), "must not exceed the limit " + limit.text());
        }
    }
}
