package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers' Java selection ({@code scripts/launcher/sandboxer-java.sh}), sourced by bash as the launchers do,
 * on fake JDKs: the order of the candidates, versions read from the JDK's {@code release} file (through a symlink
 * as Debian's {@code /usr/bin/java} is one), a JDK without that file asked once, and the AOT cache's name.
 */
class LauncherJavaSelectionTest {
    @TempDir
    Path dir;

    @Test
    void sandboxerJavaComesFirstWhenItIsNewEnough() throws Exception {
        Path jdk22 = jdk("jdk22", "22.0.2", "22.0.2+9");
        Path jdk23 = jdk("jdk23", "23", "23+37");
        assertEquals(jdk22 + "/bin/java 22 " + jdk22 + "/release",
                select(Map.of("SANDBOXER_JAVA", jdk22 + "/bin/java", "JAVA_HOME", jdk23.toString())));
    }

    @Test
    void aJdkOlderThan21IsPassedOverForTheNextCandidate() throws Exception {
        Path jdk17 = jdk("jdk17", "17.0.12", "17.0.12+7");
        Path jdk21 = jdk("jdk21", "21.0.5", "21.0.5+11");
        assertEquals(jdk21 + "/bin/java 21 " + jdk21 + "/release",
                select(Map.of("SANDBOXER_JAVA", jdk17 + "/bin/java", "JAVA_HOME", jdk21.toString())));
    }

    @Test
    void theJavaOnPathIsFollowedThroughItsSymlinkToItsJdk() throws Exception {
        Path jdk24 = jdk("jdk24", "24.0.1", "24.0.1+9");
        Path bin = Files.createDirectories(dir.resolve("usr-bin"));
        Files.createSymbolicLink(bin.resolve("java"), jdk24.resolve("bin/java"));
        assertEquals(bin + "/java 24 " + jdk24 + "/release", select(Map.of("PATH", bin + ":/usr/bin:/bin")));
    }

    @Test
    void aJdkWithoutAReleaseFileIsAskedForItsVersion() throws Exception {
        Path jdk = Files.createDirectories(dir.resolve("norelease/bin"));
        executable(jdk.resolve("java"), "#!/bin/sh\necho 'Property settings:' >&2\necho '    java.specification.version = 23' >&2\n");
        assertEquals(jdk.resolve("java") + " 23", select(Map.of("SANDBOXER_JAVA", jdk.resolve("java").toString())));
    }

    @Test
    void aBrokenJavaIsPassedOverUnderTheLaunchersErrexit() throws Exception {
        Path broken = Files.createDirectories(dir.resolve("broken/bin"));
        executable(broken.resolve("java"), "#!/bin/sh\necho 'Error: could not create the Java Virtual Machine.' >&2\nexit 1\n");
        Path jdk21 = jdk("jdk21", "21.0.5", "21.0.5+11");
        assertEquals(jdk21 + "/bin/java 21 " + jdk21 + "/release",
                select(Map.of("SANDBOXER_JAVA", broken.resolve("java").toString(), "JAVA_HOME", jdk21.toString())));
    }

    @Test
    void theAotCacheIsNamedAfterTheJdksRuntimeVersion() throws Exception {
        Path jdk25 = jdk("jdk25", "25.0.3", "25.0.3+9-LTS");
        String out = LauncherScript.bash(Map.of("SANDBOXER_JAVA", jdk25 + "/bin/java"), "select_java; aot_cache_path /lib sandboxer; echo \"$cache\"");
        assertEquals("/lib/aot/sandboxer-25.0.3_9-LTS.aot", out);
    }

    private Path jdk(String name, String version, String runtimeVersion) throws IOException {
        Path home = Files.createDirectories(dir.resolve(name));
        Files.createDirectories(home.resolve("bin"));
        // Never run: the release file answers (a run would print a wrong version and fail the test).
        executable(home.resolve("bin/java"), "#!/bin/sh\necho 'java.specification.version = 1' >&2\n");
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_RUNTIME_VERSION=\"" + runtimeVersion
                + "\"\nJAVA_VERSION=\"" + version + "\"\nMODULES=\"java.base\"\n");
        return home;
    }

    private static void executable(Path file, String text) throws IOException {
        LauncherScript.executable(file, text.getBytes(StandardCharsets.UTF_8));
    }

    private String select(Map<String, String> env) throws Exception {
        return LauncherScript.bash(env, "select_java; echo \"$java $java_version $java_release\"");
    }

}
