package io.sandboxer.it.libvirt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The real hypervisor for end-to-end tests: builds (or reuses from its cache) the Debian guest image with
 * {@code scripts/guest-image.sh}, then prepares libvirtd, an isolated network and a pool with
 * {@code scripts/libvirt-host.sh}. Both scripts print progress on stderr, which goes to the test log.
 */
public record LibvirtHost(String uri, String network, String pool, Path poolDir, String baseVolume, String kernel, String initrd) {

    public static LibvirtHost prepare() {
        String[] imageOutput = run(Path.of("scripts/guest-image.sh").toAbsolutePath().toString()).strip().split("\n");
        String imageDir = imageOutput[imageOutput.length - 1];
        Map<String, String> vars = new HashMap<>();
        for (String line : run(Path.of("scripts/libvirt-host.sh").toAbsolutePath().toString(), imageDir).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                vars.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return new LibvirtHost(vars.get("URI"), vars.get("NETWORK"), vars.get("POOL"), Path.of(vars.get("POOL_DIR")), vars.get("BASE_VOLUME"),
                vars.get("KERNEL"), vars.get("INITRD"));
    }

    /**
     * The libvirt settings (the Fleeting {@code plugin_config} schema) of a small sandbox on this host: 1 vCPU,
     * 1 GiB, direct kernel boot with {@code extraCmdline}, KVM when usable, else TCG.
     */
    public ObjectNode settings(String group, Path stateDir, String extraCmdline) {
        var json = new ObjectMapper().createObjectNode()
                .put("uri", uri)
                .put("pool_name", pool)
                .put("base_volume_name", baseVolume)
                .put("network_name", network)
                .put("state_dir", stateDir.toString())
                .put("domain_type", "auto")
                .put("vcpu_count", 1)
                .put("memory_mib", 1024)
                .put("disk_size_gib", 4)
                .put("address_source", "auto")
                .put("group", group);
        json.putObject("boot").put("kernel", kernel).put("initrd", initrd).put("cmdline", "root=/dev/vda rw console=ttyS0" + extraCmdline);
        return json;
    }

    /**
     * The release ({@code uname -r}) of the guest kernel, read from its bzImage header: the 16-bit offset at 0x20e
     * points (from 0x200) at the kernel's version string, whose first word is the release.
     */
    public String kernelRelease() {
        try {
            byte[] image = Files.readAllBytes(Path.of(kernel));
            int at = ((image[0x20e] & 0xff) | (image[0x20f] & 0xff) << 8) + 0x200;
            int end = at;
            while (image[end] != ' ' && image[end] != 0) {
                end++;
            }
            return new String(image, at, end - at, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the guest kernel " + kernel + ": " + e.getMessage(), e);
        }
    }

    public static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + p.exitValue() + "); see its messages above");
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command[0], e);
        }
    }

    /**
     * Stops libvirtd, waits until it is gone, starts it again as the host script does (under a subreaper where no
     * service manager runs: a plain {@code libvirtd -d} made every later destroy on this host ~2 s slower) and waits
     * until it answers.
     */
    public void restartLibvirtd() {
        run("pkill", "-x", "libvirtd");
        waitFor("libvirtd to exit", () -> exitCode("pgrep", "-x", "libvirtd") != 0);
        run(Path.of("scripts/start-libvirtd.sh").toAbsolutePath().toString());
        waitFor("libvirtd to answer", () -> exitCode("virsh", "-c", uri, "version") == 0);
    }

    private static void waitFor(String what, BooleanSupplier condition) {
        Instant deadline = Instant.now().plusSeconds(60);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            try {
                Thread.sleep(100); // polling interval
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static int exitCode(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * Empties a test's state directory under /var/lib/sandboxer before its first test: the machine's disk outlives a
     * run, and a file an earlier, failed run left (seen on CI) must not fail this one's "nothing left" assertions.
     */
    public static Path freshStateDir(Path dir) {
        if (!dir.startsWith("/var/lib/sandboxer/")) {
            throw new IllegalArgumentException("not a test state directory: " + dir);
        }
        run("rm", "-rf", dir.toString());
        return dir;
    }

    /** The built custom-executor launcher, as a runner host runs it. */
    public static final Path SANDBOXER = Path.of("../adapter-custom-executor/target/sandboxer");
    /** The built Fleeting plugin for libvirt. */
    public static final Path FLEETING_PLUGIN = Path.of("../adapter-fleeting/target/fleeting-plugin-libvirt");

    /** {@link #prepare()} for a test class that keeps its state in {@code stateDir}, emptied first ({@link #freshStateDir}). */
    public static LibvirtHost prepareWith(Path stateDir) {
        LibvirtHost host = prepare();
        freshStateDir(stateDir);
        return host;
    }

    /** Names of everything libvirt holds that contains {@code fragment}: domains and pool volumes. */
    public String leftovers(String fragment) {
        String domains = run("virsh", "-c", uri, "list", "--all", "--name");
        String volumes = run("virsh", "-c", uri, "vol-list", pool);
        StringBuilder found = new StringBuilder();
        for (String line : (domains + "\n" + volumes).split("\n")) {
            if (line.contains(fragment)) {
                found.append(line.strip()).append('\n');
            }
        }
        return found.toString();
    }
}
