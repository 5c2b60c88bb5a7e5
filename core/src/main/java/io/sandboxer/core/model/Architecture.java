package io.sandboxer.core.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** CPU architecture of a sandbox, with the spellings each ecosystem uses for it. */
public enum Architecture {
    AMD64("amd64", "x86_64", "x86_64"),
    ARM64("arm64", "aarch64", "aarch64");

    private final String goName;
    private final String libvirtName;
    private final String alias;

    Architecture(String goName, String libvirtName, String alias) {
        this.goName = goName;
        this.libvirtName = libvirtName;
        this.alias = alias;
    }

    /** The name GitLab Runner, Go and Kubernetes use ({@code amd64}, {@code arm64}). */
    @JsonValue
    public String goName() {
        return goName;
    }

    /** The name libvirt and QEMU use ({@code x86_64}, {@code aarch64}). */
    public String libvirtName() {
        return libvirtName;
    }

    /** Accepts either spelling, case-insensitively. */
    @JsonCreator
    public static Architecture parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Architecture a : values()) {
            if (a.goName.equals(t) || a.libvirtName.equals(t) || a.alias.equals(t)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture \"" + text + "\": allowed are " + allowed());
    }

    public static String allowed() {
        return Arrays.stream(values()).map(a -> a.goName + " (" + a.libvirtName + ")").collect(Collectors.joining(", "));
    }

    /** The architecture of the JVM's host, for defaults. */
    public static Architecture host() {
        String arch = System.getProperty("os.arch", "amd64");
        return arch.contains("aarch64") || arch.contains("arm64") ? ARM64 : AMD64;
    }
}
