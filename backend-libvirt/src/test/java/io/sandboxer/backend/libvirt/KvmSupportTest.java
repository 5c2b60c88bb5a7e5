package io.sandboxer.backend.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.model.Architecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Capabilities XML read from real hosts: this machine's kvm_pvm host (kvm domain type, no vmx) and the same with vmx. */
class KvmSupportTest {
    private static String caps(String name) throws IOException {
        return Files.readString(Path.of("src/test/resources/capabilities", name));
    }

    @Test
    void kvmDomainTypeWithoutVmxOrSvmIsNotUsable() throws IOException {
        assertFalse(KvmSupport.usable(caps("pvm-host-no-vmx.xml"), Architecture.AMD64));
        assertEquals("qemu", KvmSupport.resolve("auto", caps("pvm-host-no-vmx.xml"), Architecture.AMD64));
    }

    @Test
    void kvmWithVmxIsUsable() throws IOException {
        assertTrue(KvmSupport.usable(caps("host-with-vmx.xml"), Architecture.AMD64));
        assertEquals("kvm", KvmSupport.resolve("auto", caps("host-with-vmx.xml"), Architecture.AMD64));
    }

    @Test
    void anExplicitChoiceIsKept() throws IOException {
        assertEquals("kvm", KvmSupport.resolve("kvm", caps("pvm-host-no-vmx.xml"), Architecture.AMD64));
        assertEquals("qemu", KvmSupport.resolve("qemu", caps("host-with-vmx.xml"), Architecture.AMD64));
    }
}
