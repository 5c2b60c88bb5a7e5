package io.sandboxer.backend.libvirt;

import java.time.Instant;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;

/** Storage volume XML: the qcow2 overlay over the base image, and raw volumes for bootstrap data. */
final class VolumeXml {
    private VolumeXml() {
    }

    /**
     * A qcow2 volume whose backing store is the base: creation writes only a small header, whatever the base's
     * size. {@code capacityBytes} is at least the base's virtual size.
     */
    static String overlay(String name, long capacityBytes, String basePath, String baseFormat) {
        return new Xml.Writer().open("volume", "type", "file")
                .text("name", name)
                .text("capacity", Long.toString(capacityBytes), "unit", "bytes")
                .open("target").empty("format", "type", "qcow2")
                .open("permissions").text("mode", "0600").close()
                .close()
                .open("backingStore").text("path", basePath).empty("format", "type", baseFormat).close()
                .close().finish();
    }

    /** A raw volume for uploaded bootstrap bytes, readable by QEMU (0640) but by no other user. */
    static String raw(String name, long capacityBytes, String groupId) {
        Xml.Writer w = new Xml.Writer().open("volume", "type", "file")
                .text("name", name)
                .text("capacity", Long.toString(capacityBytes), "unit", "bytes")
                .open("target").empty("format", "type", "raw")
                .open("permissions").text("mode", groupId == null ? "0644" : "0640");
        if (groupId != null) {
            w.text("group", groupId);
        }
        return w.close().close().close().finish();
    }

    /**
     * When a volume last changed, from the {@code <target><timestamps><mtime>} libvirt reports for file-backed pools
     * ({@code seconds.nanoseconds}); null where the pool type reports none.
     */
    static Instant changedAt(StoragePool pool, String name) throws LibvirtException {
        StorageVol vol = pool.storageVolLookupByName(name);
        try {
            return changedAt(vol.getXMLDesc(0));
        } finally {
            vol.free();
        }
    }

    static Instant changedAt(String volumeXml) {
        return Xml.path(Xml.parse(volumeXml).getDocumentElement(), "target", "timestamps", "mtime")
                .map(e -> e.getTextContent().strip())
                .filter(t -> t.matches("\\d+(\\.\\d{1,9})?"))
                .map(t -> {
                    String[] parts = t.split("\\.");
                    long nanos = parts.length == 1 ? 0 : Long.parseLong((parts[1] + "000000000").substring(0, 9));
                    return Instant.ofEpochSecond(Long.parseLong(parts[0]), nanos);
                })
                .orElse(null);
    }
}
