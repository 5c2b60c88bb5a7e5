package io.sandboxer.backend.libvirt;

import io.sandboxer.core.model.Architecture;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/** Writes domain XML from a {@link DomainDefinition} and reads sandboxer's metadata back from libvirt's XML. */
final class DomainXml {
    private static final String NS = DomainMetadata.NAMESPACE;
    private static final String P = DomainMetadata.PREFIX;

    private DomainXml() {
    }

    static String render(DomainDefinition d) {
        Xml.Writer w = new Xml.Writer();
        w.open("domain", "type", d.domainType());
        w.text("name", d.name());
        w.text("uuid", d.uuid().toString());
        writeMetadata(w, d.metadata());
        w.text("memory", Long.toString(d.memoryMib()), "unit", "MiB");
        w.text("vcpu", Integer.toString(d.vcpus()), "placement", "static");
        if (d.bootstrap() instanceof BootstrapAttachment.FwCfg fw) {
            w.open("sysinfo", "type", "fwcfg").empty("entry", "name", fw.key(), "file", fw.hostPath()).close();
        }
        w.open("os");
        w.text("type", "hvm", "arch", d.architecture().libvirtName(), "machine", d.machineType());
        if (d.boot() != null) {
            w.text("kernel", d.boot().kernel());
            if (d.boot().initrd() != null) {
                w.text("initrd", d.boot().initrd());
            }
            if (d.boot().cmdline() != null) {
                w.text("cmdline", d.boot().cmdline());
            }
        } else {
            w.empty("boot", "dev", "hd");
        }
        w.close();
        w.open("features").empty("acpi");
        if (d.architecture() == Architecture.AMD64) {
            w.empty("apic");
        }
        w.close();
        if ("kvm".equals(d.domainType())) {
            w.empty("cpu", "mode", "host-passthrough", "check", "none");
        }
        w.empty("clock", "offset", "utc");
        w.text("on_poweroff", "destroy").text("on_reboot", "restart").text("on_crash", "destroy");
        w.open("devices");
        w.open("disk", "type", "volume", "device", "disk")
                .empty("driver", "name", "qemu", "type", "qcow2", "discard", "unmap")
                .empty("source", "pool", d.pool(), "volume", d.overlayVolume())
                .empty("target", "dev", diskDevice(d.diskBus(), 0), "bus", d.diskBus())
                .close();
        String cdromBus = cdromBus(d);
        switch (d.bootstrap()) {
            case BootstrapAttachment.CdromVolume v -> w.open("disk", "type", "volume", "device", "cdrom")
                    .empty("driver", "name", "qemu", "type", "raw")
                    .empty("source", "pool", v.pool(), "volume", v.volume())
                    .empty("target", "dev", diskDevice(cdromBus, 1), "bus", cdromBus)
                    .empty("readonly").close();
            case BootstrapAttachment.CdromFile f -> w.open("disk", "type", "file", "device", "cdrom")
                    .empty("driver", "name", "qemu", "type", "raw")
                    .empty("source", "file", f.hostPath())
                    .empty("target", "dev", diskDevice(cdromBus, 1), "bus", cdromBus)
                    .empty("readonly").close();
            case BootstrapAttachment.FwCfg fw -> { }
            case BootstrapAttachment.None none -> { }
        }
        w.open("interface", "type", "network")
                .empty("mac", "address", d.macAddress())
                .empty("source", "network", d.network())
                .empty("model", "type", d.networkModel())
                .close();
        w.open("serial", "type", "pty").empty("target", "port", "0").close();
        w.open("console", "type", "pty").empty("target", "type", "serial", "port", "0").close();
        w.open("channel", "type", "unix").empty("target", "type", "virtio", "name", "org.qemu.guest_agent.0").close();
        w.open("rng", "model", "virtio").text("backend", "/dev/urandom", "model", "random").close();
        w.empty("memballoon", "model", "none");
        w.close(); // devices
        w.close(); // domain
        return w.finish();
    }

    private static void writeMetadata(Xml.Writer w, DomainMetadata m) {
        w.open("metadata");
        writeSandboxElement(w, m, P);
        w.close();
    }

    /**
     * sandboxer's metadata element alone, as {@code virDomainSetMetadata} takes it to replace the one a domain has: in
     * the namespace by default, without a prefix, because libvirt declares the key's prefix on the element itself and
     * refuses an element that declares it already ("failed to create a new XML namespace").
     */
    static String metadataElement(DomainMetadata m) {
        Xml.Writer w = new Xml.Writer();
        writeSandboxElement(w, m, "");
        return w.finish();
    }

    private static void writeSandboxElement(Xml.Writer w, DomainMetadata m, String prefix) {
        w.openNs(prefix, DomainMetadata.ELEMENT, NS);
        w.textPrefixed(prefix, "group", NS, m.group());
        if (m.generation() != null) {
            w.textPrefixed(prefix, "generation", NS, m.generation().toString());
        }
        if (m.createdAt() != null) {
            w.textPrefixed(prefix, "created", NS, m.createdAt().toString());
        }
        if (m.expiresAt() != null) {
            w.textPrefixed(prefix, "expires", NS, m.expiresAt().toString());
        }
        if (m.overlayVolume() != null) {
            w.textPrefixed(prefix, "overlay-volume", NS, m.overlayVolume());
        }
        if (m.bootstrapVolume() != null) {
            w.textPrefixed(prefix, "bootstrap-volume", NS, m.bootstrapVolume());
        }
        if (m.bootstrapFile() != null) {
            w.textPrefixed(prefix, "bootstrap-file", NS, m.bootstrapFile());
        }
        for (Map.Entry<String, String> label : m.labels().entrySet()) {
            w.textPrefixed(prefix, "label", NS, label.getValue(), "name", label.getKey());
        }
        w.close();
    }

    /** sandboxer's metadata of a domain, or empty when the domain is not sandboxer's. */
    static Optional<DomainMetadata> readMetadata(String domainXml) {
        Document doc = Xml.parse(domainXml);
        return Xml.firstInNamespace(doc, NS, DomainMetadata.ELEMENT).map(DomainXml::metadataFrom);
    }

    private static DomainMetadata metadataFrom(Element e) {
        Map<String, String> labels = new LinkedHashMap<>();
        var nodes = e.getElementsByTagNameNS(NS, "label");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element label = (Element) nodes.item(i);
            labels.put(label.getAttribute("name"), label.getTextContent());
        }
        return new DomainMetadata(
                Xml.childText(e, "group").orElse(""),
                Xml.childText(e, "generation").map(Instant::parse).orElse(null),
                Xml.childText(e, "created").map(Instant::parse).orElse(null),
                Xml.childText(e, "expires").map(Instant::parse).orElse(null),
                labels,
                Xml.childText(e, "overlay-volume").orElse(null),
                Xml.childText(e, "bootstrap-volume").orElse(null),
                Xml.childText(e, "bootstrap-file").orElse(null));
    }

    /** The MAC address of the first NIC. */
    static Optional<String> macAddress(String domainXml) {
        Document doc = Xml.parse(domainXml);
        return Xml.path(doc.getDocumentElement(), "devices", "interface", "mac").map(m -> m.getAttribute("address"));
    }

    static String cdromBus(DomainDefinition d) {
        if (d.architecture() == Architecture.ARM64) {
            return "scsi";
        }
        return d.machineType() != null && d.machineType().contains("q35") ? "sata" : "ide";
    }

    /** vda/sda/hda, vdb/sdb/hdc... for the bus's naming scheme. */
    static String diskDevice(String bus, int index) {
        return switch (bus) {
            case "virtio" -> "vd" + (char) ('a' + index);
            case "ide" -> "hd" + (char) ('a' + index * 2); // hda, then hdc: the CD-ROM on the secondary channel
            default -> "sd" + (char) ('a' + index);
        };
    }
}
