package io.sandboxer.it.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.sandboxer.core.testing.TestResources;
import io.sandboxer.it.fleeting.FleetingHost;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator installs, used as they would: the one-file executable ({@code distribution/target/bin}) as the
 * Fleeting plugin driven by GitLab's fleeting library and as the custom-executor driver; the release archive run with
 * no Java on the machine at all (its own jlinked runtime: /usr/lib/jvm hidden in a mount namespace); the Debian package
 * installed with dpkg, run from /usr/bin, purged without a trace.
 */
class ReleaseIT {
    private static final Path ONE_FILE = Path.of("../distribution/target/bin");
    private static Path release;
    @TempDir
    static Path work;

    @BeforeAll
    static void buildRelease() {
        String out = LibvirtHost.run(Path.of("../scripts/release.sh").toAbsolutePath().toString());
        assertTrue(out.contains(".tar.gz") && out.contains(".deb"), out);
        release = Path.of("../distribution/target/release");
    }

    @Test
    void theOneFileExecutableIsTheFleetingPluginAndTheDriver() throws Exception {
        assertTrue(run(ONE_FILE.resolve("fleeting-plugin-libvirt").toString(), "version").stdout()
                .startsWith("Name:         fleeting-plugin-libvirt\nVersion:      0.1.0-SNAPSHOT\n"));
        Result version = run(ONE_FILE.resolve("sandboxer").toString(), "--version");
        assertEquals(0, version.exit(), version.stderr());
        assertTrue(version.stdout().startsWith("sandboxer 0.1.0-SNAPSHOT\nJava "), version.stdout());
        assertTrue(version.stdout().contains("\nAOT cache: none"), "the bare file has no caches beside it: " + version.stdout());

        fleetingCalls(ONE_FILE.resolve("fleeting-plugin-libvirt"), "one-file");
    }

    /**
     * Every call of the fleeting library through {@code plugin} on libvirt's test driver: gRPC, the backends found by
     * ServiceLoader in one jar, JNA and libvirt, key generation; with whatever Java runtime that plugin picks.
     */
    private static void fleetingCalls(Path plugin, String name) throws Exception {
        Path config = FleetingHost.testDriverConfig(work, name);
        Path log = work.resolve(name + ".log");
        List<JsonNode> steps;
        try (FleetingHost host = FleetingHost.start("calls", plugin, config, TestResources.path("/keys/openssh_ed25519"), log,
                Duration.ofMinutes(3))) {
            int exit = host.waitFor(Duration.ofMinutes(3));
            steps = host.seen();
            assertEquals(0, exit, "steps: " + steps + "\n" + Files.readString(log));
        }
        assertTrue(steps.stream().anyMatch(s -> "increase".equals(s.path("step").asText()) && s.path("succeeded").asInt() == 2), steps.toString());
        assertTrue(steps.stream().anyMatch(s -> "decrease".equals(s.path("step").asText())), steps.toString());
    }

    @Test
    void theReleaseArchiveRunsWithNoJavaOnTheMachine() throws Exception {
        Path archive = only(release, ".tar.gz");
        assertEquals(0, run("tar", "-xzf", archive.toString(), "-C", work.toString()).exit());
        Path bin;
        try (Stream<Path> dirs = Files.list(work)) {
            bin = dirs.filter(d -> d.getFileName().toString().startsWith("sandboxer-")).findFirst().orElseThrow().resolve("bin");
        }
        // /usr/lib/jvm emptied for these processes only, and no java on PATH or in JAVA_HOME: only runtime/ is left.
        // Each role starts from the AOT cache release.sh made for that runtime, though the archive was unpacked elsewhere.
        record Role(Path executable, String versionCommand, String cache) {
        }
        Path aot = bin.getParent().resolve("aot");
        for (Role role : List.of(new Role(bin.resolve("sandboxer"), "--version", aot + "/sandboxer-"),
                new Role(bin.resolve("fleeting-plugin-kubevirt"), "version", aot + "/fleeting-plugin-"))) {
            Result r = run("unshare", "--mount", "sh", "-c",
                    "mount -t tmpfs none /usr/lib/jvm && echo \"jvms=$(ls -A /usr/lib/jvm | wc -l) java=$(command -v java || echo none)\""
                            + " && exec env -i PATH=/usr/bin:/bin \"$@\"", "isolated", role.executable().toString(), role.versionCommand());
            assertEquals(0, r.exit(), role + ": " + r.stderr());
            assertTrue(r.stdout().startsWith("jvms=0 java=none\n"), "the isolation hides every other Java: " + r.stdout());
            assertTrue(r.stdout().contains("0.1.0-SNAPSHOT"), r.stdout());
            assertTrue(r.stdout().contains("\nAOT cache: " + role.cache()), r.stdout());
        }
        // A run stage goes to the native client beside bin/, which hands what it cannot serve (here: no job response) to
        // the executable's JVM path on the bundled runtime, once: that path says what is missing.
        assertTrue(Files.isExecutable(bin.getParent().resolve("libexec/sandboxer-stage-client")), "the archive has the native stage client");
        Path script = Files.writeString(work.resolve("script.sh"), "true\n");
        Result handedOver = run("unshare", "--mount", "sh", "-c", "mount -t tmpfs none /usr/lib/jvm && exec env -i PATH=/usr/bin:/bin \"$@\"",
                "isolated", bin.resolve("sandboxer").toString(), "run", script.toString(), "build_script");
        assertEquals(2, handedOver.exit(), handedOver.stderr());
        assertTrue(handedOver.stderr().startsWith("ERROR: JOB_RESPONSE_FILE is not set"), handedOver.stderr());
        // The bundled runtime is preferred to the machine's Java, so this is the trimmed runtime doing real work.
        fleetingCalls(bin.resolve("fleeting-plugin-libvirt"), "archive");
    }

    @Test
    void theDebianPackageInstallsRunsAndPurgesWithoutATrace() throws Exception {
        Path deb = only(release, ".deb");
        Result install = run("dpkg", "-i", deb.toString());
        try {
            assertEquals(0, install.exit(), install.stderr());
            List<String> files = run("dpkg", "-L", "sandboxer").stdout().lines().filter(l -> l.startsWith("/usr/")).toList();
            assertTrue(files.contains("/usr/bin/sandboxer") && files.contains("/usr/share/man/man1/sandboxer.1.gz")
                    && files.contains("/usr/share/bash-completion/completions/sandboxer")
                    && files.contains("/usr/lib/sandboxer/libexec/sandboxer-stage-client"), files.toString());
            assertTrue(run("dpkg-query", "-W", "-f", "${Depends}", "sandboxer").stdout().contains("libvirt0"));
            Result version = run("env", "-i", "PATH=/usr/bin:/bin", "sandboxer", "--version");
            assertEquals(0, version.exit(), version.stderr());
            assertTrue(version.stdout().startsWith("sandboxer 0.1.0-SNAPSHOT\n"), version.stdout());
            assertTrue(version.stdout().contains("\nAOT cache: /usr/lib/sandboxer/aot/sandboxer-"), version.stdout());
            Result plugin = run("env", "-i", "PATH=/usr/bin:/bin", "fleeting-plugin-libvirt", "version");
            assertTrue(plugin.stdout().startsWith("Name:         fleeting-plugin-libvirt\n"), plugin.stdout() + plugin.stderr());
            assertTrue(plugin.stdout().contains("\nAOT cache: /usr/lib/sandboxer/aot/fleeting-plugin-"), plugin.stdout());
            String man = new String(new java.util.zip.GZIPInputStream(Files.newInputStream(Path.of("/usr/share/man/man1/sandboxer.1.gz")))
                    .readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(man.contains(".TH SANDBOXER") && man.contains("prepare"), "a man page made from --help");

            Result purge = run("dpkg", "--purge", "sandboxer");
            assertEquals(0, purge.exit(), purge.stderr());
            List<String> left = files.stream().filter(f -> Files.exists(Path.of(f), java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .filter(f -> f.startsWith("/usr/lib/sandboxer") || f.startsWith("/usr/bin/") || f.contains("sandboxer")).toList();
            assertEquals(List.of(), left, "nothing of the package is left after purge");
            assertNotEquals(0, run("dpkg", "-s", "sandboxer").exit(), "dpkg no longer knows it");
        } finally {
            run("dpkg", "--purge", "sandboxer");
        }
    }

    private static Path only(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files.filter(f -> f.getFileName().toString().endsWith(suffix)).toList();
            assertEquals(1, found.size(), "one " + suffix + " in " + dir + ": " + found);
            return found.get(0);
        }
    }

    record Result(int exit, String stdout, String stderr) {
    }

    private static Result run(String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command);
        Path err = Files.createTempFile(work, "stderr", ".txt");
        Process p = builder.redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        return new Result(p.exitValue(), out, Files.readString(err));
    }
}
