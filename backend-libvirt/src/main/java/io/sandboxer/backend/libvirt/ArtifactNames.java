package io.sandboxer.backend.libvirt;

import java.util.regex.Pattern;

/**
 * The names of what a sandbox owns besides its domain, spelled once: the overlay volume, the Ignition config and the
 * cloud-init seed. Delete and garbage collection find a half-made sandbox's leftovers by these names.
 */
final class ArtifactNames {
    private static final Pattern ANY_SUFFIX = Pattern.compile("(\\.qcow2|\\.ign|-cidata\\.iso)$");

    private ArtifactNames() {
    }

    static String overlay(String sandbox) {
        return sandbox + ".qcow2";
    }

    /** The bootstrap's volume or file name: {@code <sandbox>.ign} for Ignition, {@code <sandbox>-cidata.iso} for cloud-init. */
    static String bootstrap(String sandbox, boolean ignition) {
        return sandbox + (ignition ? ".ign" : "-cidata.iso");
    }

    /** The sandbox a volume of one of these names belongs to, or null when the name is none of them. */
    static String sandboxOf(String volume) {
        String id = ANY_SUFFIX.matcher(volume).replaceFirst("");
        return id.equals(volume) ? null : id;
    }
}
