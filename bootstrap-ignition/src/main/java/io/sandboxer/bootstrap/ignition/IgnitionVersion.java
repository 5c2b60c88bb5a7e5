package io.sandboxer.bootstrap.ignition;

/**
 * The Ignition spec versions sandboxer can write. 3.3.0 is the default: current Flatcar and Fedora CoreOS
 * read it, and Debian 12's {@code ignition-validate} (2.14) validates it; 3.4.0 needs a newer validator.
 * Everything sandboxer writes is valid in both.
 */
public enum IgnitionVersion {
    V3_3_0("3.3.0"),
    V3_4_0("3.4.0");

    public static final IgnitionVersion DEFAULT = V3_3_0;

    private final String text;

    IgnitionVersion(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }
}
