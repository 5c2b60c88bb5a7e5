package io.sandboxer.backend.libvirt;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.provider.SandboxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostLimitsTest {
    /** The shape of {@code virsh capabilities} on a QEMU host: machines per arch, some per domain type, aliases. */
    private static final String CAPABILITIES = """
            <capabilities><host><cpu><arch>x86_64</arch></cpu></host>
              <guest><os_type>hvm</os_type>
                <arch name='x86_64'><emulator>/usr/bin/qemu-system-x86_64</emulator>
                  <machine maxCpus='255'>pc-i440fx-7.2</machine><machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>
                  <machine maxCpus='288'>pc-q35-7.2</machine><machine canonical='pc-q35-7.2' maxCpus='288'>q35</machine>
                  <domain type='qemu'/><domain type='kvm'><machine>microvm</machine></domain>
                </arch></guest>
              <guest><os_type>hvm</os_type><arch name='aarch64'><machine>virt</machine><domain type='qemu'/></arch></guest>
            </capabilities>""";

    @TempDir
    Path dir;

    @Test
    void machineTypesAreReadPerArchitectureWithTheirAliases() {
        assertEquals(Set.of("pc-i440fx-7.2", "pc", "pc-q35-7.2", "q35", "microvm"), HostLimits.machineTypes(CAPABILITIES).get("x86_64"));
        assertEquals(Set.of("virt"), HostLimits.machineTypes(CAPABILITIES).get("aarch64"));
    }

    @Test
    void settingsTheHostCannotHonourAreRefusedByName() {
        HostLimits host = new HostLimits(16, 8192, HostLimits.machineTypes(CAPABILITIES));
        LibvirtSettings tooBig = TestDriver.settings(dir, s -> s.put("vcpu_count", 64).put("memory_mib", 65536).put("machine_type", "pc-q99")
                .put("architecture", "amd64"));
        SandboxException e = assertThrows(SandboxException.class, () -> host.checkSettings(tooBig, "kvm"));
        assertTrue(e.getMessage().contains("vcpu_count 64 is more than libvirt allows for domain type kvm here (at most 16)"), e.getMessage());
        assertTrue(e.getMessage().contains("memory_mib 65536 is more than the hypervisor host's memory (8192 MiB)"), e.getMessage());
        assertTrue(e.getMessage().contains("machine_type \"pc-q99\" is not offered for x86_64"), e.getMessage());
        assertTrue(e.getMessage().contains("microvm, pc, q35, and 2 versioned ones"), "the plain names, not 40 versions: " + e.getMessage());
        assertDoesNotThrow(() -> host.checkSettings(TestDriver.settings(dir, s -> s.put("vcpu_count", 16).put("memory_mib", 8192)
                .put("machine_type", "pc-q35-7.2").put("architecture", "amd64")), "kvm"));
    }

    @Test
    void aSandboxLargerThanTheHostIsRefusedNamingItsSize() {
        HostLimits host = new HostLimits(16, 8192, Map.of("x86_64", Set.of("q35", "pc")));
        assertTrue(assertThrows(SandboxException.class, () -> host.checkSandbox("sbx-1", "x86_64", null, 17, 1024)).getMessage()
                .contains("sbx-1 asks for 17 vCPUs; the hypervisor host allows at most 16"));
        assertTrue(assertThrows(SandboxException.class, () -> host.checkSandbox("sbx-1", "x86_64", null, 1, 9000)).getMessage()
                .contains("asks for 9000 MiB of memory; the hypervisor host has 8192 MiB"));
        assertTrue(assertThrows(SandboxException.class, () -> host.checkSandbox("sbx-1", "x86_64", "isapc;x", 1, 512)).getMessage()
                .contains("the machine type of sbx-1 \"isapc;x\" is not offered for x86_64; allowed are: pc, q35"));
        assertTrue(assertThrows(SandboxException.class, () -> host.checkSandbox("sbx-1", "aarch64", null, 1, 512)).getMessage()
                .contains("the architecture of sbx-1 aarch64 is not offered by the hypervisor host; it runs x86_64"));
        assertDoesNotThrow(() -> host.checkSandbox("sbx-1", "x86_64", "q35", 16, 8192));
    }
}
