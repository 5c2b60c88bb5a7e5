package io.sandboxer.it.isolation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.adapter.customexecutor.RunnerEmulator;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile job next to a victim job on one runner, through the built {@code sandboxer} driver on the real libvirtd:
 * each attack found in the isolation review (issue "Isolation is the product") is tried, with the variables a job
 * controls, and must be refused before anything is created, with nothing of the victim's touched. The victim's VM
 * really boots, holds a file, and still holds it (same domain, same disk) after every attack.
 *
 * <p>The runner here is {@link RunnerEmulator} (the runner's per-stage environment, {@code JOB_RESPONSE_FILE}
 * included); the real gitlab-runner cannot be built from the module proxy on this machine (see docs/security.md).
 */
class HostileJobLibvirtIT {
    private static final Path LAUNCHER = LibvirtHost.SANDBOXER;
    private static final Path STATE = Path.of("/var/lib/sandboxer/it-hostile");
    /** Per run: what an interrupted earlier run left on this host is not this run's leftover. */
    private static final String PREFIX = String.format("sbx-it-hostile%03d", System.nanoTime() % 1000);

    private static LibvirtHost host;

    @TempDir
    Path dir;

    @BeforeAll
    static void prepareHost() {
        host = LibvirtHost.prepareWith(STATE);
    }

    @Test
    void aHostileJobCannotReachTouchOrOutgrowItsNeighbour() throws Exception {
        Path config = Files.writeString(dir.resolve("libvirt.json"), host.settings(PREFIX, STATE, "").put("provider", "libvirt")
                .put("bootstrap_format", "cloud-init").put("bootstrap_delivery", "file").toString());
        String victimId = Long.toString(700_000 + System.nanoTime() % 100_000);
        String attackerId = Long.toString(Long.parseLong(victimId) + 1);
        RunnerEmulator victim = RunnerEmulator.withLauncher(LAUNCHER, dir.resolve("victim"), victimId);
        String victimName = new ObjectMapper().readTree(config(victim, config).stdout()).path("hostname").asText();
        Path canary = Files.writeString(dir.resolve("canary"), "outside state_dir\n");
        try {
            RunnerEmulator.Result prepared = victim.stage(Duration.ofMinutes(15), "prepare", "--config", config.toString(), "--name-prefix", PREFIX,
                    "--ssh-user", "runner", "--timeout", "14m");
            assertEquals(0, prepared.exitCode(), prepared.stderr());
            assertEquals("", run(victim, config, "echo victim-data > ~/secret.txt && cat ~/secret.txt").stdout().replace("victim-data\n", ""));
            String victimDomain = fingerprint(victimName);

            // 1. Booting the victim's disk: its overlay by name, even where the operator allows every image.
            for (String image : List.of(victimName + ".qcow2", "../" + victimName + ".qcow2")) {
                RunnerEmulator attacker = attacker(dir, attackerId, victimId).job("CI_JOB_IMAGE", image);
                RunnerEmulator.Result refused = attacker.stage(Duration.ofMinutes(3), "prepare", "--config", config.toString(),
                        "--name-prefix", PREFIX, "--allowed-image", "*", "--timeout", "2m");
                assertEquals(2, refused.exitCode(), refused.stderr());
                // The overlay is refused as an image by what it is (it has a backing store); a path is no volume name.
                assertTrue(refused.stderr().contains(image.startsWith("../") ? "does not exist" : "is an overlay of another image"), refused.stderr());
                assertTrue(refused.stderr().contains("the image of " + PREFIX + "-j" + attackerId), "names whose image: " + refused.stderr());
                assertNothingOfTheAttacker(attackerId);
            }
            RunnerEmulator.Result notAllowed = attacker(dir, attackerId, victimId).job("CI_JOB_IMAGE", victimName + ".qcow2")
                    .stage(Duration.ofMinutes(3), "prepare", "--config", config.toString(), "--name-prefix", PREFIX, "--timeout", "2m");
            assertEquals(2, notAllowed.exitCode(), notAllowed.stderr());
            assertTrue(notAllowed.stderr().contains("CUSTOM_ENV_CI_JOB_IMAGE"), "by default only the configured image: " + notAllowed.stderr());
            assertNothingOfTheAttacker(attackerId);

            // 2. Posing as the victim: its ids in the job's own variables. run and cleanup act on the attacker's
            // (absent) sandbox, as JOB_RESPONSE_FILE says, never on the victim's.
            RunnerEmulator impostor = attacker(dir, attackerId, victimId);
            RunnerEmulator.Result ran = impostor.stage("run", "--config", config.toString(), "--name-prefix", PREFIX,
                    impostor.script("build_script", "cat ~/secret.txt\n").toString(), "build_script");
            assertEquals(2, ran.exitCode(), "no sandbox of the attacker's job: " + ran.stderr());
            assertFalse(ran.stdout().contains("victim-data"), "the victim's file was not read: " + ran.stdout());
            RunnerEmulator.Result cleaned = impostor.stage("cleanup", "--config", config.toString(), "--name-prefix", PREFIX);
            assertEquals(0, cleaned.exitCode(), cleaned.stderr());
            assertEquals(victimDomain, fingerprint(victimName), "the victim's domain is untouched by the impostor's cleanup");

            // 3. Outgrowing the runner: the job's sizes are capped by the runner's configuration (1 vCPU, 1 GiB, 4 GiB).
            for (String[] size : new String[][] {{"VM_CPU_REQUEST", "2"}, {"VM_MEMORY_REQUEST", "12Gi"}, {"VM_STORAGE_REQUEST", "500Gi"},
                    {"VM_MEMORY_REQUEST", "1"}, {"VM_STORAGE_REQUEST", "9Ei"}}) {
                RunnerEmulator.Result big = attacker(dir, attackerId, attackerId).job(size[0], size[1])
                        .stage(Duration.ofMinutes(3), "prepare", "--config", config.toString(), "--name-prefix", PREFIX, "--timeout", "2m");
                assertEquals(2, big.exitCode(), size[0] + "=" + size[1] + ": " + big.stderr());
                assertTrue(big.stderr().contains("CUSTOM_ENV_" + size[0] + " \"" + size[1] + "\" is not allowed"), big.stderr());
                assertNothingOfTheAttacker(attackerId);
            }

            // 4. Escaping state_dir: a name prefix with a path, at every stage.
            for (String stage : List.of("prepare", "run", "cleanup")) {
                RunnerEmulator traversal = attacker(dir, attackerId, attackerId);
                List<String> args = new ArrayList<>(List.of(stage, "--config", config.toString(), "--name-prefix",
                        "../../../" + dir.getFileName() + "/canary"));
                if (stage.equals("run")) {
                    args.addAll(List.of(traversal.script("build_script", "true\n").toString(), "build_script"));
                }
                RunnerEmulator.Result escaped = traversal.stage(args.toArray(String[]::new));
                assertEquals(2, escaped.exitCode(), stage + ": " + escaped.stderr());
                assertTrue(escaped.stderr().contains("--name-prefix"), escaped.stderr());
            }
            assertEquals("outside state_dir\n", Files.readString(canary), "nothing outside state_dir was touched");

            // The victim is whole: same domain, same disk, its file still there.
            assertEquals(victimDomain, fingerprint(victimName));
            assertEquals("victim-data\n", run(victim, config, "cat ~/secret.txt").stdout());
        } finally {
            RunnerEmulator.Result cleanup = victim.stage("cleanup", "--config", config.toString(), "--name-prefix", PREFIX);
            assertEquals(0, cleanup.exitCode(), cleanup.stderr());
        }
        assertEquals("", host.leftovers(PREFIX), "nothing of either job is left");
        try (Stream<Path> files = Files.walk(STATE)) {
            assertEquals(List.of(), files.filter(Files::isRegularFile).toList());
        }
    }

    /** A job of the same runner and project whose own variables claim {@code claimedId}; its JOB_RESPONSE_FILE says {@code id}. */
    private static RunnerEmulator attacker(Path dir, String id, String claimedId) throws Exception {
        return RunnerEmulator.withLauncher(LAUNCHER, dir.resolve("attacker-" + System.nanoTime()), id).job("CI_JOB_ID", claimedId)
                .job("CI_CONCURRENT_PROJECT_ID", "0");
    }

    private static RunnerEmulator.Result config(RunnerEmulator runner, Path config) throws Exception {
        RunnerEmulator.Result r = runner.stage("config", "--config", config.toString(), "--name-prefix", PREFIX);
        assertEquals(0, r.exitCode(), r.stderr());
        return r;
    }

    /** A build_script in the job's sandbox, which must succeed. */
    private static RunnerEmulator.Result run(RunnerEmulator runner, Path config, String script) throws Exception {
        RunnerEmulator.Result r = runner.stage("run", "--config", config.toString(), "--name-prefix", PREFIX,
                runner.script("build_script", script + "\n").toString(), "build_script");
        assertEquals(0, r.exitCode(), r.stderr());
        return r;
    }

    /** The victim's domain UUID and its overlay's path: a recreated or swapped sandbox changes them. */
    private static String fingerprint(String name) {
        return LibvirtHost.run("virsh", "-c", host.uri(), "domuuid", name).strip() + " "
                + LibvirtHost.run("virsh", "-c", host.uri(), "domblklist", name, "--details").replaceAll("\\s+", " ").strip();
    }

    /** Nothing named for the attacker's job exists (its name carries its own job id). */
    private static void assertNothingOfTheAttacker(String attackerId) {
        assertEquals("", host.leftovers(PREFIX + "-j" + attackerId + "-"), "the refused job created nothing");
    }
}
