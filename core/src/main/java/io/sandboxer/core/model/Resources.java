package io.sandboxer.core.model;

import java.util.Objects;

/** vCPU, memory and disk of a sandbox. */
public record Resources(ResourceRequirement cpu, ResourceRequirement memory, ResourceRequirement disk) {
    public Resources {
        cpu = Objects.requireNonNullElse(cpu, ResourceRequirement.none());
        memory = Objects.requireNonNullElse(memory, ResourceRequirement.none());
        disk = Objects.requireNonNullElse(disk, ResourceRequirement.none());
    }

    /** Fixed sizes, as a hypervisor host uses them: vCPUs, memory in MiB, disk in GiB (0 = as the image). */
    public static Resources fixed(int vcpus, long memoryMib, long diskGib) {
        return new Resources(
                ResourceRequirement.of(Quantity.ofCores(vcpus)),
                ResourceRequirement.of(Quantity.ofMebibytes(memoryMib)),
                diskGib > 0 ? ResourceRequirement.of(Quantity.ofGibibytes(diskGib)) : ResourceRequirement.none());
    }
}
