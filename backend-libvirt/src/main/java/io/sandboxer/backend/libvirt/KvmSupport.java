package io.sandboxer.backend.libvirt;

import io.sandboxer.core.model.Architecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Decides from the hypervisor's capabilities XML whether KVM really works, instead of assuming it. A
 * {@code kvm} domain type alone is not enough: hosts whose {@code /dev/kvm} comes from kvm_pvm (no vmx/svm
 * CPU flag) offer it, yet stock guest kernels crawl there. On x86 KVM counts as usable only with vmx or svm.
 */
final class KvmSupport {
    private KvmSupport() {
    }

    static boolean usable(String capabilitiesXml, Architecture architecture) {
        Document caps = Xml.parse(capabilitiesXml);
        boolean kvmDomain = false;
        NodeList guests = caps.getElementsByTagName("guest");
        for (int i = 0; i < guests.getLength(); i++) {
            Element guest = (Element) guests.item(i);
            for (Element arch : Xml.children(guest, "arch")) {
                if (architecture.libvirtName().equals(arch.getAttribute("name"))) {
                    kvmDomain |= Xml.children(arch, "domain").stream().anyMatch(d -> "kvm".equals(d.getAttribute("type")));
                }
            }
        }
        if (!kvmDomain) {
            return false;
        }
        if (architecture != Architecture.AMD64) {
            return true;
        }
        NodeList features = caps.getElementsByTagName("feature");
        for (int i = 0; i < features.getLength(); i++) {
            String name = ((Element) features.item(i)).getAttribute("name");
            if ("vmx".equals(name) || "svm".equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** The domain type to use: {@code auto} resolves to kvm when usable, else qemu (TCG). */
    static String resolve(String configured, String capabilitiesXml, Architecture architecture) {
        if (!"auto".equals(configured)) {
            return configured;
        }
        return usable(capabilitiesXml, architecture) ? "kvm" : "qemu";
    }

    /**
     * The same decision for the hypervisor on this machine, from {@code /dev/kvm} and {@code /proc/cpuinfo}:
     * milliseconds, where libvirt's capabilities can take seconds.
     */
    static boolean usableLocally(Architecture architecture) {
        Path kvm = Path.of("/dev/kvm");
        if (!Files.exists(kvm) || architecture != Architecture.host()) {
            return false;
        }
        if (architecture != Architecture.AMD64) {
            return true;
        }
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .anyMatch(l -> l.startsWith("flags") && (l.contains(" vmx") || l.contains(" svm")));
        } catch (IOException e) {
            return false;
        }
    }
}
