package io.sandboxer.backend.libvirt;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How bootstrap bytes reach the hypervisor host. {@code file}: a file under {@code state_dir} on this machine
 * (local URIs only). {@code volume}: a volume uploaded into the storage pool, which works with remote
 * {@code qemu+ssh://} URIs too. {@code auto}: file for local URIs, volume for remote ones.
 */
public enum BootstrapDelivery {
    AUTO("auto"),
    FILE("file"),
    VOLUME("volume");

    private final String jsonName;

    BootstrapDelivery(String jsonName) {
        this.jsonName = jsonName;
    }

    @JsonValue
    public String jsonName() {
        return jsonName;
    }
}
