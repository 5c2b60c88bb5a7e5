package io.sandboxer.backend.libvirt;

import io.sandboxer.core.credentials.UriPasswords;
import io.sandboxer.core.provider.SandboxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.libvirt.LibvirtException;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What the hypervisor host can run, read once when the backend connects, so that settings and sandbox sizes it
 * cannot honour are refused by name before a volume exists: QEMU would otherwise fail the first boot after the
 * disks were made, with a message that names no setting.
 *
 * @param maxVcpus     libvirt's maximum for the domain type ({@code virConnectGetMaxVcpus})
 * @param memoryMib    the host's memory; a guest larger than its host cannot be meant
 * @param machineTypes the machine types QEMU offers per libvirt architecture name (with their canonical names); an
 *                     architecture that is absent is not offered; empty when the driver reports none (libvirt's test
 *                     driver), and then nothing is checked
 */
record HostLimits(int maxVcpus, long memoryMib, Map<String, Set<String>> machineTypes) {

    static HostLimits read(LibvirtConnection connection, LibvirtSettings settings, String domainType) {
        return connection.call("reading the hypervisor host's limits", c -> {
            var node = c.nodeInfo();
            int maxVcpus;
            try {
                maxVcpus = c.getMaxVcpus(domainType);
            } catch (LibvirtException e) {
                maxVcpus = LibvirtSettings.MAX_VCPUS; // some drivers do not say; QEMU's own bound still holds
            }
            Map<String, Set<String>> machines = settings.uri().startsWith("test:") ? Map.of() : machineTypes(c.getCapabilities());
            return new HostLimits(maxVcpus <= 0 ? LibvirtSettings.MAX_VCPUS : maxVcpus, node.memory / 1024, machines);
        });
    }

    static Map<String, Set<String>> machineTypes(String capabilitiesXml) {
        Map<String, Set<String>> byArch = new TreeMap<>();
        NodeList guests = Xml.parse(capabilitiesXml).getElementsByTagName("guest");
        for (int i = 0; i < guests.getLength(); i++) {
            for (Element a : Xml.children((Element) guests.item(i), "arch")) {
                Set<String> machines = byArch.computeIfAbsent(a.getAttribute("name"), k -> new TreeSet<>());
                List<Element> all = new ArrayList<>(Xml.children(a, "machine"));
                Xml.children(a, "domain").forEach(d -> all.addAll(Xml.children(d, "machine")));
                for (Element machine : all) {
                    machines.add(machine.getTextContent().strip());
                    if (!machine.getAttribute("canonical").isEmpty()) {
                        machines.add(machine.getAttribute("canonical"));
                    }
                }
            }
        }
        return byArch;
    }

    /** The configured sizes and machine type against the host: every problem at once, each naming its setting. */
    void checkSettings(LibvirtSettings settings, String domainType) {
        List<String> problems = new ArrayList<>();
        if (settings.vcpuCount() > maxVcpus) {
            problems.add("vcpu_count " + settings.vcpuCount() + " is more than libvirt allows for domain type " + domainType + " here (at most "
                    + maxVcpus + ")");
        }
        if (memoryMib > 0 && settings.memoryMib() > memoryMib) {
            problems.add("memory_mib " + settings.memoryMib() + " is more than the hypervisor host's memory (" + memoryMib + " MiB)");
        }
        machineProblem(settings.architecture().libvirtName(), settings.machineType(), "architecture", "machine_type")
                .ifPresent(p -> problems.add(p + " on " + UriPasswords.redact(settings.uri())));
        if (!problems.isEmpty()) {
            throw new SandboxException(String.join("; ", problems), false);
        }
    }

    /**
     * A sandbox's own architecture, machine type and size (a job may choose them, within the adapter's limits)
     * against the host, before anything exists.
     */
    void checkSandbox(String name, String arch, String machine, int vcpus, long sandboxMemoryMib) {
        machineProblem(arch, machine, "the architecture of " + name, "the machine type of " + name).ifPresent(p -> {
            throw new SandboxException(p, false);
        });
        if (vcpus > maxVcpus) {
            throw new SandboxException(name + " asks for " + vcpus + " vCPUs; the hypervisor host allows at most " + maxVcpus, false);
        }
        if (memoryMib > 0 && sandboxMemoryMib > memoryMib) {
            throw new SandboxException(name + " asks for " + sandboxMemoryMib + " MiB of memory; the hypervisor host has " + memoryMib + " MiB", false);
        }
    }

    private Optional<String> machineProblem(String arch, String machine, String archName, String machineName) {
        if (machineTypes.isEmpty()) {
            return Optional.empty();
        }
        Set<String> offered = machineTypes.get(arch);
        if (offered == null) {
            return Optional.of(archName + " " + arch + " is not offered by the hypervisor host; it runs "
                    + String.join(", ", new TreeSet<>(machineTypes.keySet())));
        }
        if (machine != null && !offered.contains(machine)) {
            return Optional.of(machineName + " \"" + machine + "\" is not offered for " + arch + "; allowed are: "
                    + String.join(", ", shortList(offered)));
        }
        return Optional.empty();
    }

    /** QEMU lists dozens of versioned types: name the unversioned ones and say how to see the rest. */
    private static List<String> shortList(Set<String> machineTypes) {
        List<String> plain = machineTypes.stream().filter(m -> !m.matches(".*-\\d.*")).sorted().toList();
        List<String> shown = new ArrayList<>(plain.isEmpty() ? machineTypes.stream().sorted().limit(12).toList() : plain);
        if (shown.size() < machineTypes.size()) {
            shown.add("and " + (machineTypes.size() - shown.size()) + " versioned ones (virsh capabilities)");
        }
        return shown;
    }
}
