package io.sandboxer.core.training;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The AOT cache this JVM started from: what {@code --version} and the plugin's {@code version} report, so an operator
 * (and the release tests) can see that an installed sandboxer starts from its cache, the difference between ~0.1 s
 * and ~0.25 s for every stage. The launcher names the cache ({@code -XX:AOTCache=}); whether the JVM took it shows in
 * {@code java.vm.info}: a JVM that cannot map a named cache at all (made by another JDK build) shares nothing, so
 * "sharing" is missing there. (A jar changed since the cache was made is the launcher's to catch: it then names none.)
 */
public final class AotCache {
    private static final String OPTION = "-XX:AOTCache=";

    private AotCache() {
    }

    /** The cache file named on this JVM's command line (Linux's {@code /proc/self/cmdline}), if any. */
    public static Optional<String> named() {
        try {
            return inCommandLine(Files.readAllBytes(Path.of("/proc/self/cmdline")));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    static Optional<String> inCommandLine(byte[] nulSeparated) {
        for (String arg : new String(nulSeparated, StandardCharsets.UTF_8).split("\0")) {
            if (arg.startsWith(OPTION)) {
                return Optional.of(arg.substring(OPTION.length()));
            }
        }
        return Optional.empty();
    }

    /** One line for a version text: the cache in use, a named one the JVM refused, or that there is none. */
    public static String describe() {
        return describe(named(), System.getProperty("java.vm.info", ""));
    }

    static String describe(Optional<String> named, String vmInfo) {
        if (named.isEmpty()) {
            return "AOT cache: none";
        }
        return vmInfo.contains("sharing") ? "AOT cache: " + named.get() : "AOT cache: none (the JVM refused " + named.get() + ")";
    }
}
