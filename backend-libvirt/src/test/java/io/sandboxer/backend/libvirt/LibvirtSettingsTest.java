package io.sandboxer.backend.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.provider.SandboxProviders;
import io.sandboxer.core.settings.SettingsBinder;
import io.sandboxer.core.settings.SettingsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LibvirtSettingsTest {
    private final SettingsBinder binder = new SettingsBinder();

    private LibvirtSettings bind(String json) {
        return both(json).second();
    }

    /** As the adapters bind it: the group's keys and the backend's from one object. */
    private SettingsBinder.Both<GroupSettings, LibvirtSettings> both(String json) {
        var bound = SandboxProviders.bind("libvirt", SettingsBinder.parse(json, "plugin_config"), "plugin_config");
        return new SettingsBinder.Both<>(bound.group(), (LibvirtSettings) bound.backend());
    }

    @Test
    void theGoPluginsDocumentedConfigIsAcceptedUnchanged() throws IOException {
        String json = Files.readString(Path.of(getClass().getResource("/go-plugin-plugin_config.json").getPath()));
        LibvirtSettings s = bind(json);
        GroupSettings group = both(json).first();
        assertEquals("flatcar_production_qemu_image.img", s.baseVolumeName());
        assertEquals(4, s.vcpuCount());
        assertEquals(8192, s.memoryMib());
        assertEquals(40, s.diskSizeGib());
        assertEquals("q35", s.machineType());
        assertEquals(AddressSource.AUTO, s.addressSource());
        assertEquals("/etc/gitlab-runner/certs", group.caCertificatesPath());
    }

    @Test
    void defaultsAreTheGoPluginsDocumentedOnes() {
        String json = "{\"pool_name\": \"default\", \"base_volume_path\": \"/var/lib/libvirt/images/flatcar.img\", \"max_size\": 1}";
        LibvirtSettings s = bind(json);
        assertEquals("qemu:///system", s.uri());
        assertEquals("default", s.networkName());
        assertEquals("/var/lib/libvirt/gitlab-runner-virt-plugin", s.stateDir());
        assertEquals(2, s.vcpuCount());
        assertEquals(4096, s.memoryMib());
        assertEquals("kvm", s.domainType());
        assertEquals("virtio", s.diskBus());
        assertEquals("virtio", s.networkModel());
        assertEquals(AddressSource.AUTO, s.addressSource());
        assertEquals("gitlab-runner", both(json).first().prefix());
        assertEquals("opt/org.flatcar-linux/config", s.fwCfgKey());
        assertEquals("ignition", s.bootstrapFormat());
        assertEquals("/var/lib/libvirt/images/flatcar.img", s.baseVolumePath());
        assertEquals(BootstrapDelivery.FILE, s.effectiveDelivery(), "a local URI writes files");
        assertEquals(BootstrapDelivery.VOLUME, bind("{\"uri\": \"qemu+ssh://host/system\", \"pool_name\": \"p\", \"base_volume_name\": \"b\"}")
                .effectiveDelivery(), "a remote URI uploads volumes");
    }

    static Stream<Arguments> badValues() {
        String base = "\"pool_name\": \"default\", \"base_volume_name\": \"base.qcow2\"";
        return Stream.of(
                Arguments.of("{" + base + ", \"memory_mib\": 128}", "plugin_config.memory_mib", "between 256 and 16777216"),
                Arguments.of("{" + base + ", \"memory_mib\": 99999999}", "plugin_config.memory_mib", "between 256 and 16777216"),
                Arguments.of("{" + base + ", \"vcpu_count\": 0}", "plugin_config.vcpu_count", "between 1 and 4096"),
                Arguments.of("{" + base + ", \"vcpu_count\": 100000}", "plugin_config.vcpu_count", "between 1 and 4096"),
                Arguments.of("{" + base + ", \"vcpu_count\": 99999999999}", "plugin_config.vcpu_count", "whole number"),
                Arguments.of("{" + base + ", \"uri\": \"\"}", "plugin_config.uri", "qemu:///system"),
                Arguments.of("{" + base + ", \"uri\": \"qemu:/system\"}", "plugin_config.uri", "qemu:///system"),
                Arguments.of("{" + base + ", \"ttl\": \"99999999999h\"}", "plugin_config.ttl", "longest duration"),
                Arguments.of("{" + base + ", \"max_parallel_creates\": 1000}", "plugin_config.max_parallel_creates", "between 1 and 64"),
                Arguments.of("{" + base + ", \"max_size\": 0}", "plugin_config.max_size", "at least 1"),
                Arguments.of("{" + base + ", \"disk_size_gib\": -1}", "plugin_config.disk_size_gib", "between 1 and 65536"),
                Arguments.of("{" + base + ", \"disk_size_gib\": 500000}", "plugin_config.disk_size_gib", "between 1 and 65536"),
                Arguments.of("{" + base + ", \"address_source\": \"dhcp\"}", "plugin_config.address_source", "one of auto, lease, agent, arp"),
                Arguments.of("{" + base + ", \"domain_type\": \"xen\"}", "plugin_config.domain_type", "one of kvm, qemu, auto"),
                Arguments.of("{" + base + ", \"disk_bus\": \"usb\"}", "plugin_config.disk_bus", "one of virtio"),
                Arguments.of("{" + base + ", \"network_model\": \"ne2k\"}", "plugin_config.network_model", "one of virtio"),
                Arguments.of("{" + base + ", \"bootstrap_format\": \"kickstart\"}", "plugin_config.bootstrap_format", "ignition, cloud-init"),
                Arguments.of("{" + base + ", \"fw_cfg_key\": \"etc/x\"}", "plugin_config.fw_cfg_key", "opt/org.flatcar-linux/config"),
                Arguments.of("{" + base + ", \"domain_prefix\": \"Bad_Prefix\"}", "plugin_config.domain_prefix", "lower-case"),
                Arguments.of("{" + base + ", \"machine_type\": \"q35; rm\"}", "plugin_config.machine_type", "machine type"),
                Arguments.of("{" + base + ", \"state_dir\": \"relative\"}", "plugin_config.state_dir", "absolute"),
                Arguments.of("{" + base + ", \"network_name\": \"net'work\"}", "plugin_config.network_name", "network name"),
                Arguments.of("{" + base + ", \"boot\": {\"initrd\": \"/x\"}}", "plugin_config.boot.kernel", "required"),
                Arguments.of("{" + base + ", \"boot\": {\"kernel\": \"vmlinuz\"}}", "plugin_config.boot.kernel", "absolute"),
                Arguments.of("{" + base + ", \"provider\": \"kubevirt\"}", "plugin_config.provider", "one of libvirt"),
                Arguments.of("{" + base + ", \"ttl\": \"forever\"}", "plugin_config.ttl", "90s"),
                Arguments.of("{\"pool_name\": \"default\"}", "plugin_config.base_volume_name", "exactly one of base_volume_name and base_volume_path"),
                Arguments.of("{" + base + ", \"base_volume_path\": \"/x.img\"}", "plugin_config.base_volume_name", "exactly one"),
                Arguments.of("{\"base_volume_name\": \"b\"}", "plugin_config.pool_name", "required"),
                Arguments.of("{" + base + ", \"vcpus\": 2}", "plugin_config.vcpus", "did you mean \"vcpu_count\""));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badValues")
    void everyViolationNamesTheKey(String json, String field, String allowed) {
        SettingsException e = assertThrows(SettingsException.class, () -> bind(json));
        assertTrue(e.violations().stream().anyMatch(v -> v.field().equals(field) && v.problem().contains(allowed)), e.getMessage());
    }
}
