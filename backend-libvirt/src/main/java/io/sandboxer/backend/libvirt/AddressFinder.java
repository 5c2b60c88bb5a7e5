package io.sandboxer.backend.libvirt;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.libvirt.Domain;
import org.libvirt.DomainInterface;
import org.libvirt.LibvirtException;

/**
 * Finds a running guest's IP address from the configured sources in order (auto = lease, agent, ARP). Only the
 * guest's own NIC (by MAC) counts, never its {@code lo} interface; link-local addresses never do; IPv4 is
 * preferred. (A libvirt network may itself be on loopback, as the tests' is, so loopback addresses are kept.)
 */
final class AddressFinder {
    private AddressFinder() {
    }

    /** The address, or empty with the reasons of every source in {@code why}. */
    static Optional<String> find(Domain domain, String mac, AddressSource configured, List<String> why) {
        for (AddressSource source : configured.order()) {
            try {
                Collection<DomainInterface> interfaces = domain.interfaceAddresses(code(source), 0);
                Optional<String> address = pick(interfaces, mac, source);
                if (address.isPresent()) {
                    return address;
                }
                why.add(source.jsonName() + ": none yet");
            } catch (LibvirtException e) {
                why.add(source.jsonName() + ": " + LibvirtErrors.message(e));
            }
        }
        return Optional.empty();
    }

    private static int code(AddressSource source) {
        return switch (source) {
            case LEASE -> 0; // VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE
            case AGENT -> 1;
            case ARP -> 2;
            case AUTO -> throw new IllegalArgumentException("auto is not a single source");
        };
    }

    static Optional<String> pick(Collection<DomainInterface> interfaces, String mac, AddressSource source) {
        List<InetAddress> candidates = new ArrayList<>();
        for (DomainInterface nic : interfaces) {
            boolean ours = mac == null || nic.hwAddr == null || nic.hwAddr.toLowerCase(Locale.ROOT).equals(mac.toLowerCase(Locale.ROOT));
            if (!ours || nic.addrs == null || "lo".equals(nic.name)) {
                continue;
            }
            for (DomainInterface.InterfaceAddress a : nic.addrs) {
                InetAddress ip = a.address;
                if (ip != null && !ip.isLinkLocalAddress() && !ip.isAnyLocalAddress()) {
                    candidates.add(ip);
                }
            }
        }
        return candidates.stream().filter(ip -> ip instanceof Inet4Address).findFirst()
                .or(() -> candidates.stream().findFirst())
                .map(InetAddress::getHostAddress);
    }
}
