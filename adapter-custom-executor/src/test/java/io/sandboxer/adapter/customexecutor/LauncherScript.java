package io.sandboxer.adapter.customexecutor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The launchers' shared shell functions ({@code scripts/launcher/sandboxer-java.sh}), sourced by bash under the launchers' {@code set -euo pipefail}. */
final class LauncherScript {
    static final Path SCRIPT = Path.of("..", "scripts", "launcher", "sandboxer-java.sh").toAbsolutePath().normalize();

    private LauncherScript() {
    }

    /** What bash printed (stdout and stderr, stripped) running COMMANDS after sourcing the script; fails on a non-zero exit. */
    static String bash(Map<String, String> env, String commands) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "set -euo pipefail; . \"$1\"; " + commands, "bash", SCRIPT.toString());
        pb.environment().remove("SANDBOXER_JAVA");
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("SANDBOXER_NO_STAGE_CLIENT");
        pb.environment().remove("SANDBOXER_LAUNCHER");
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("bash failed: " + out);
        }
        return out;
    }

    static void executable(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
