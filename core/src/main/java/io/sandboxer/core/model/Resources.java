package io.sandboxer.core.model;

import java.util.Objects;

/** vCPU, memory and disk of a sandbox. */
public record Resources(ResourceRequirement cpu, ResourceRequirement memory, ResourceRequirement disk) {
    /** The smallest sizes a VM is given, whoever asks: below these no guest boots usefully. */
    public static final Quantity MIN_CPU = Quantity.parse("100m");
    public static final Quantity MIN_MEMORY = Quantity.parse("256Mi");
    public static final Quantity MIN_STORAGE = Quantity.parse("1Gi");
    /** The largest any backend accepts (QEMU's vCPU bound, 16 TiB, 64 TiB): a larger value is a typo. */
    public static final Quantity MAX_CPU = Quantity.ofCores(4096);
    public static final Quantity MAX_MEMORY = Quantity.parse("16Ti");
    public static final Quantity MAX_STORAGE = Quantity.parse("64Ti");

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
