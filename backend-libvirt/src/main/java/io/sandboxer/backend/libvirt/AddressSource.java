package io.sandboxer.backend.libvirt;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;

/** Where a guest's IP address is looked up (the Go plugin's {@code address_source}). */
public enum AddressSource {
    /** lease, then agent, then ARP. */
    AUTO("auto"),
    /** The libvirt network's DHCP lease for the guest's MAC. */
    LEASE("lease"),
    /** The QEMU guest agent (needs qemu-guest-agent in the image). */
    AGENT("agent"),
    /** The host's ARP table (fails on some kernels: "wrong nlmsg len"). */
    ARP("arp");

    private final String jsonName;

    AddressSource(String jsonName) {
        this.jsonName = jsonName;
    }

    @JsonValue
    public String jsonName() {
        return jsonName;
    }

    /** The concrete sources to try, in order. */
    public List<AddressSource> order() {
        return this == AUTO ? List.of(LEASE, AGENT, ARP) : List.of(this);
    }
}
