package io.sandboxer.backend.libvirt;

import io.sandboxer.core.model.Architecture;
import io.sandboxer.core.settings.Validated;
import io.sandboxer.core.settings.Validation;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of the libvirt backend. The first block is the libvirt Go plugin's documented {@code plugin_config},
 * with its names, defaults and minimums unchanged; the second is what sandboxer adds. The group's keys
 * ({@code domain_prefix}, {@code max_size}, {@code ca_certificates_path}, ...) are {@code GroupSettings}'.
 */
public record LibvirtSettings(
        // --- the Go plugin's keys ---
        String uri,
        String poolName,
        String baseVolumeName,
        String baseVolumePath,
        String networkName,
        String stateDir,
        Integer vcpuCount,
        Integer memoryMib,
        Integer diskSizeGib,
        String domainType,
        String machineType,
        String diskBus,
        String networkModel,
        AddressSource addressSource,
        // --- sandboxer's additions ---
        String bootstrapFormat,
        String fwCfgKey,
        BootstrapDelivery bootstrapDelivery,
        Architecture architecture,
        DirectBoot boot,
        Duration ttl) implements Validated {

    public static final String DEFAULT_URI = "qemu:///system";
    public static final String DEFAULT_STATE_DIR = "/var/lib/libvirt/gitlab-runner-virt-plugin";
    public static final String FLATCAR_FW_CFG_KEY = "opt/org.flatcar-linux/config";
    public static final String FCOS_FW_CFG_KEY = "opt/com.coreos/config";
    private static final Pattern LIBVIRT_NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$");
    /** QEMU's highest vCPU count on any machine type (q35 with x2APIC). */
    static final int MAX_VCPUS = 4096;
    /** 16 TiB: beyond any host this runs on. */
    static final int MAX_MEMORY_MIB = 16 * 1024 * 1024;
    /** 64 TiB: a thin qcow2 overlay can be that large, a guest disk larger is a typo. */
    static final int MAX_DISK_GIB = 64 * 1024;
    private static final Pattern URI = Pattern.compile("^[a-z][a-z0-9]*(\\+[a-z0-9]+)?://[^\\s]*$");
    private static final Pattern MACHINE = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$");
    private static final List<String> DOMAIN_TYPES = List.of("kvm", "qemu", "auto");
    private static final List<String> DISK_BUSES = List.of("virtio", "sata", "scsi", "ide");
    private static final List<String> NETWORK_MODELS = List.of("virtio", "e1000", "e1000e", "rtl8139");
    private static final List<String> FORMATS = List.of("ignition", "cloud-init");

    /** Direct kernel boot (kernel + initrd + command line on the hypervisor host), for images without a boot loader. */
    public record DirectBoot(String kernel, String initrd, String cmdline) implements Validated {
        @Override
        public void validate(Validation check) {
            check.required("kernel", kernel);
            for (String[] path : new String[][] {{"kernel", kernel}, {"initrd", initrd}}) {
                if (path[1] != null && !path[1].startsWith("/")) {
                    check.fail(path[0], path[1], "must be an absolute path on the hypervisor host");
                }
            }
        }
    }

    public LibvirtSettings {
        uri = Objects.requireNonNullElse(uri, DEFAULT_URI);
        networkName = Objects.requireNonNullElse(networkName, "default");
        stateDir = Objects.requireNonNullElse(stateDir, DEFAULT_STATE_DIR);
        vcpuCount = Objects.requireNonNullElse(vcpuCount, 2);
        memoryMib = Objects.requireNonNullElse(memoryMib, 4096);
        domainType = Objects.requireNonNullElse(domainType, "kvm");
        diskBus = Objects.requireNonNullElse(diskBus, "virtio");
        networkModel = Objects.requireNonNullElse(networkModel, "virtio");
        addressSource = Objects.requireNonNullElse(addressSource, AddressSource.AUTO);
        bootstrapFormat = Objects.requireNonNullElse(bootstrapFormat, "ignition");
        fwCfgKey = Objects.requireNonNullElse(fwCfgKey, FLATCAR_FW_CFG_KEY);
        bootstrapDelivery = Objects.requireNonNullElse(bootstrapDelivery, BootstrapDelivery.AUTO);
        architecture = Objects.requireNonNullElse(architecture, Architecture.host());
    }

    @Override
    public void validate(Validation check) {
        check.required("pool_name", poolName)
                .matches("pool_name", poolName, LIBVIRT_NAME, "use letters, digits, '_', '.', '+' and '-' (a libvirt pool name)")
                .matches("network_name", networkName, LIBVIRT_NAME, "use letters, digits, '_', '.', '+' and '-' (a libvirt network name)")
                .matches("base_volume_name", baseVolumeName, LIBVIRT_NAME, "use letters, digits, '_', '.', '+' and '-' (a volume name)")
                .matches("uri", uri, URI, "a libvirt connection URI such as qemu:///system or qemu+ssh://root@host/system")
                // Upper bounds are QEMU's own (the host's real limits are checked once connected): a larger
                // number is a typo, and would otherwise reach QEMU and fail a boot after creating disks.
                .between("vcpu_count", vcpuCount, 1, MAX_VCPUS)
                .between("memory_mib", memoryMib, 256, MAX_MEMORY_MIB)
                .between("disk_size_gib", diskSizeGib, 1, MAX_DISK_GIB)
                .oneOf("domain_type", domainType, DOMAIN_TYPES)
                .matches("machine_type", machineType, MACHINE, "a QEMU machine type such as q35, pc or virt")
                .oneOf("disk_bus", diskBus, DISK_BUSES)
                .oneOf("network_model", networkModel, NETWORK_MODELS)
                .oneOf("bootstrap_format", bootstrapFormat, FORMATS);
        if ((baseVolumeName == null) == (baseVolumePath == null)) {
            check.failMissing("base_volume_name", "set exactly one of base_volume_name and base_volume_path");
        }
        if (baseVolumePath != null && !baseVolumePath.startsWith("/")) {
            check.fail("base_volume_path", baseVolumePath, "must be an absolute path on the hypervisor host");
        }
        if (!stateDir.startsWith("/")) {
            check.fail("state_dir", stateDir, "must be an absolute path");
        }
        if (!fwCfgKey.startsWith("opt/") || !fwCfgKey.matches("^[A-Za-z0-9/._-]{5,55}$")) {
            check.fail("fw_cfg_key", fwCfgKey, "an fw_cfg name under opt/ such as " + FLATCAR_FW_CFG_KEY + " (Flatcar) or " + FCOS_FW_CFG_KEY
                    + " (Fedora CoreOS)");
        }
        if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
            check.fail("ttl", ttl, "must be positive");
        }
    }

    /** A local URI names no host: the hypervisor shares this machine's file system. */
    public boolean isLocal() {
        String afterScheme = uri.contains("://") ? uri.substring(uri.indexOf("://") + 3) : "";
        return afterScheme.startsWith("/") || uri.startsWith("test:");
    }

    public BootstrapDelivery effectiveDelivery() {
        return bootstrapDelivery == BootstrapDelivery.AUTO ? (isLocal() ? BootstrapDelivery.FILE : BootstrapDelivery.VOLUME) : bootstrapDelivery;
    }
}
