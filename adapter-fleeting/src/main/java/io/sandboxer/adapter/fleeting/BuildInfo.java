package io.sandboxer.adapter.fleeting;

import io.sandboxer.core.training.AotCache;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Name, version and build data, from {@code sandboxer-build.properties} written at build time. */
record BuildInfo(String name, String version, String revision, String builtAt) {

    static BuildInfo load(String name) {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/sandboxer-build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // fall back to unknowns
        }
        return new BuildInfo(name, p.getProperty("version", "unknown"), p.getProperty("revision", "unknown"), p.getProperty("built", "unknown"));
    }

    /** go-plugin's VersionInfo.BuildInfo style. */
    String buildInfo() {
        return "sha=" + revision + "; built_at=" + builtAt + "; java=" + Runtime.version() + "; os_arch=" + System.getProperty("os.name").toLowerCase()
                + "/" + System.getProperty("os.arch");
    }

    /** What {@code version} prints, in the lines the Go plugins print. */
    String text() {
        return "Name:         " + name + "\nVersion:      " + version + "\nGit revision: " + revision + "\nBuilt:        " + builtAt
                + "\nJava:         " + Runtime.version() + "\n" + AotCache.describe() + "\n";
    }
}
