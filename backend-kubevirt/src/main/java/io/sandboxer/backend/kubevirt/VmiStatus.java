package io.sandboxer.backend.kubevirt;

import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstance;
import io.sandboxer.backend.kubevirt.model.v1.virtualmachineinstancestatus.Conditions;
import io.sandboxer.core.model.SandboxState;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a VMI's status: ready means phase Running, an IP on the first interface and condition Ready=True (the TCP
 * readiness probe on the SSH port makes Ready mean "sshd listens"). Failures that will not heal are reported at
 * once with the cluster's own message: phase Failed/Succeeded, image pull errors.
 */
record VmiStatus(SandboxState state, String ipAddress, String detail) {
    private static final Set<String> IMAGE_PULL_FAILURES = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull");

    static VmiStatus of(VirtualMachineInstance vmi) {
        if (vmi.getMetadata().getDeletionTimestamp() != null) {
            return new VmiStatus(SandboxState.DELETING, null, "being deleted");
        }
        var status = vmi.getStatus();
        if (status == null) {
            return new VmiStatus(SandboxState.CREATING, null, "no status yet");
        }
        String phase = status.getPhase() == null ? "Pending" : status.getPhase();
        List<Conditions> conditions = status.getConditions() == null ? List.of() : status.getConditions();
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            String why = conditions.stream().filter(c -> c.getMessage() != null).map(c -> c.getType() + ": " + c.getMessage()).findFirst()
                    .orElse(status.getReason() != null ? status.getReason() : "no reason given");
            return new VmiStatus(SandboxState.FAILED, null, "phase " + phase + " (" + why + ")");
        }
        Optional<Conditions> pull = conditions.stream()
                .filter(c -> "Synchronized".equals(c.getType()) && "False".equals(c.getStatus()) && IMAGE_PULL_FAILURES.contains(c.getReason()))
                .findFirst();
        if (pull.isPresent()) {
            return new VmiStatus(SandboxState.FAILED, null, "image pull failed: " + pull.get().getReason() + ": " + pull.get().getMessage());
        }
        String ip = status.getInterfaces() == null || status.getInterfaces().isEmpty() ? null : status.getInterfaces().get(0).getIpAddress();
        boolean readyCondition = conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        if ("Running".equals(phase) && ip != null && readyCondition) {
            return new VmiStatus(SandboxState.RUNNING, ip, null);
        }
        String waiting = "phase " + phase + (ip == null ? ", no IP yet" : "") + (readyCondition ? "" : ", not Ready yet");
        return new VmiStatus(SandboxState.CREATING, ip, waiting);
    }
}
