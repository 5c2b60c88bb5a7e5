package io.sandboxer.backend.libvirt;

import io.sandboxer.core.provider.SandboxException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.libvirt.LibvirtException;
import org.w3c.dom.Element;

/** The image every overlay is backed by: its path on the hypervisor host, format and virtual size. */
record BaseVolume(String path, String format, long capacityBytes) {

    /**
     * Looks the base volume up and checks it: it must exist, be qcow2 and stand on its own. A volume with a backing
     * store is an overlay, such as a sandbox's own disk: booting one as an image would hand a job another job's
     * files, so it is refused whoever asks (a job's image, the settings).
     */
    static BaseVolume check(LibvirtConnection connection, LibvirtSettings settings) {
        return check(connection, settings.poolName(), settings.baseVolumeName(), settings.baseVolumePath(), null);
    }

    /**
     * Either {@code volumeName} in {@code poolName}, or the volume at {@code path}; {@code imageOf} names the sandbox
     * whose own image (a job's choice) this is, null for the settings' base, so the message names what was given.
     */
    static BaseVolume check(LibvirtConnection connection, String poolName, String volumeName, String path, String imageOf) {
        return connection.call("checking the base volume", c -> {
            StorageVol vol;
            String what;
            if (volumeName != null) {
                what = (imageOf == null ? "base_volume_name" : "the image of " + imageOf) + " \"" + volumeName + "\" in pool " + poolName;
                StoragePool pool = c.storagePoolLookupByName(poolName);
                try {
                    vol = pool.storageVolLookupByName(volumeName);
                } catch (LibvirtException e) {
                    if (LibvirtErrors.isNotFound(e)) {
                        throw new SandboxException(what + " does not exist (pool-refresh the pool after copying the image in)", false, e);
                    }
                    throw e;
                } finally {
                    pool.free();
                }
            } else {
                what = (imageOf == null ? "base_volume_path " : "the image of " + imageOf + " ") + path;
                try {
                    vol = c.storageVolLookupByPath(path);
                } catch (LibvirtException e) {
                    throw new SandboxException(what + " is not a volume libvirt knows: put it in a storage pool (or refresh the pool) "
                            + "or use base_volume_name", false, e);
                }
            }
            try {
                Element target = Xml.path(Xml.parse(vol.getXMLDesc(0)).getDocumentElement(), "target", "format")
                        .orElseThrow(() -> new SandboxException(what + " has no format in its volume XML", false));
                String format = target.getAttribute("type");
                if (!"qcow2".equals(format)) {
                    throw new SandboxException(what + " is " + format + ", but the base must be qcow2 "
                            + "(convert it: qemu-img convert -O qcow2 in.img out.qcow2)", false);
                }
                if (Xml.path(Xml.parse(vol.getXMLDesc(0)).getDocumentElement(), "backingStore", "path").isPresent()) {
                    throw new SandboxException(what + " is an overlay of another image (it has a backing store), such as a sandbox's "
                            + "disk; only a standalone qcow2 image can be a base (flatten one with qemu-img convert -O qcow2)", false);
                }
                return new BaseVolume(vol.getPath(), format, vol.getInfo().capacity);
            } finally {
                vol.free();
            }
        });
    }
}
