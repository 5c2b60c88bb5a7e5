package io.sandboxer.it.benchmark;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.adapter.customexecutor.RunnerEmulator;
import io.sandboxer.adapter.customexecutor.agent.RemoteScript;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The custom executor's own cost, through the built {@code sandboxer} launcher on the real libvirtd: a stage
 * process ({@code config}, start to exit), the driver's overhead in one whole job (every stage's wall time minus
 * the guest's boot and the scripts' own time, both measured where they happen), and the time from {@code prepare}'s
 * start to the first SSH login next to the physical floor: the same image and kernel started with plain
 * {@code virsh create} until its sshd answers. {@code SANDBOXER_BENCHMARK_LAUNCHER} names another launcher to measure
 * (an unpacked release archive's {@code bin/sandboxer}: what an operator installs); the build directory's by default.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CustomExecutorJobBenchmark {
    private static final Path LAUNCHER = Optional.ofNullable(System.getenv("SANDBOXER_BENCHMARK_LAUNCHER")).map(Path::of)
            .orElse(LibvirtHost.SANDBOXER);
    private static final Path STATE = Path.of("/var/lib/sandboxer/bench-executor");
    private static final Pattern PROGRESS = Pattern.compile("^\\[sandboxer\\s+([0-9.]+)s\\] (.*)$", Pattern.MULTILINE);
    private static final String SCRIPT_TIME = "script-ns=";

    private static LibvirtHost host;
    /** The domain type the provider chose for the job's guest; the raw boot uses the same. */
    private static volatile String domainType = "qemu";

    @TempDir
    Path dir;

    @BeforeAll
    static void prepareHost() {
        host = LibvirtHost.prepare();
    }

    private Path config(String bootstrap) throws IOException {
        Path config = dir.resolve("libvirt-" + bootstrap + ".json");
        String cmdline = "ignition".equals(bootstrap) ? " cloud-init=disabled" : "";
        Files.writeString(config, host.settings("sbx-bench-executor", STATE.resolve(bootstrap), cmdline).put("provider", "libvirt")
                .put("bootstrap_format", bootstrap).put("bootstrap_delivery", "file").toString());
        return config;
    }

    @Test
    @Order(1)
    void configStageProcess() throws Exception {
        Path config = config("cloud-init");
        RunnerEmulator runner = RunnerEmulator.withLauncher(LAUNCHER, dir.resolve("job"), "700001");
        List<Duration> samples = new ArrayList<>();
        for (int i = 0; i <= 10; i++) {
            long start = System.nanoTime();
            RunnerEmulator.Result r = runner.stage("config", "--config", config.toString());
            Duration took = BenchmarkReport.since(start);
            if (r.exitCode() != 0) {
                throw new IllegalStateException("config failed: " + r.stderr());
            }
            if (i > 0) { // the first run warms the page cache
                samples.add(took);
            }
        }
        BenchmarkReport.row("custom executor", "config stage process, start to exit", BenchmarkReport.summary(samples));
        // The floor of any JVM stage: the same JDK starting and exiting (`java -version`), as the launcher would pick it.
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Duration> bare = new ArrayList<>();
        for (int i = 0; i <= 10; i++) {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
            if (i > 0) {
                bare.add(BenchmarkReport.since(start));
            }
        }
        BenchmarkReport.row("custom executor", "floor: the same JDK's `java -version`", BenchmarkReport.summary(bare));
    }

    @Order(2)
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ignition", "cloud-init"})
    void oneJob(String bootstrap) throws Exception {
        Path config = config(bootstrap);
        String configArg = config.toString();
        RunnerEmulator runner = RunnerEmulator.withLauncher(LAUNCHER, dir.resolve("job-" + bootstrap), Long.toString(700_100 + bootstrap.length()));
        Duration total = Duration.ZERO;
        StringBuilder perStage = new StringBuilder();
        Duration scripts = Duration.ZERO;
        Duration boot;
        long start = System.nanoTime();
        String name = new ObjectMapper().readTree(check(runner.stage("config", "--config", configArg)).stdout())
                .path("hostname").asText();
        total = total.plus(BenchmarkReport.since(start));
        perStage.append("config ").append(BenchmarkReport.format(total));
        try {
            start = System.nanoTime();
            // A key of the benchmark's own, so OpenSSH can log in too: the ControlMaster floor below.
            Path key = dir.resolve("id-" + bootstrap);
            LibvirtHost.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString());
            RunnerEmulator.Result prepare = check(runner.stage(Duration.ofMinutes(15), "prepare", "--config", configArg, "--shell", "bash",
                    "--ssh-user", "runner", "--timeout", "14m", "--ssh-private-key-file", key.toString()));
            Duration prepareWall = BenchmarkReport.since(start);
            Matcher type = Pattern.compile("<domain type='(\\w+)'").matcher(LibvirtHost.run("virsh", "-c", host.uri(), "dumpxml", name));
            if (type.find()) {
                domainType = type.group(1);
            }
            total = total.plus(prepareWall);
            boot = guestBoot(prepare.stderr());
            BenchmarkReport.row("prepare to first SSH login", "sandboxer prepare, " + bootstrap + " guest (stage start to exit)",
                    BenchmarkReport.format(prepareWall));
            for (String stage : List.of("prepare_script", "get_sources", "build_script", "after_script")) {
                Path script = runner.script(stage, "s=$(date +%s%N)\nuname -r >/dev/null\necho " + SCRIPT_TIME + "$(( $(date +%s%N) - s ))\n");
                start = System.nanoTime();
                RunnerEmulator.Result run = check(runner.stage("run", "--config", configArg, script.toString(), stage));
                Duration took = BenchmarkReport.since(start);
                total = total.plus(took);
                perStage.append(", ").append(stage).append(' ').append(BenchmarkReport.format(took));
                scripts = scripts.plus(scriptTime(run.stdout()));
            }
            Matcher address = Pattern.compile("has address (\\S+)").matcher(prepare.stderr());
            if (!address.find()) {
                throw new IllegalStateException("prepare did not say the address:\n" + prepare.stderr());
            }
            subStageVersusControlMaster(runner, configArg, bootstrap, key, address.group(1));
        } finally {
            start = System.nanoTime();
            check(runner.stage("cleanup", "--config", configArg));
            Duration took = BenchmarkReport.since(start);
            total = total.plus(took);
            perStage.append(", cleanup ").append(BenchmarkReport.format(took));
        }
        Duration overhead = total.minus(boot).minus(scripts);
        BenchmarkReport.row("custom executor", "one job (" + bootstrap + "): all 8 stage processes, wall", BenchmarkReport.format(total));
        BenchmarkReport.row("custom executor", "one job (" + bootstrap + "): stages besides prepare", perStage.toString());
        BenchmarkReport.row("custom executor", "one job (" + bootstrap + "): guest boot (create returned to SSH ready)", BenchmarkReport.format(boot));
        BenchmarkReport.row("custom executor", "one job (" + bootstrap + "): driver overhead (wall - boot - scripts' "
                + BenchmarkReport.format(scripts) + ")", BenchmarkReport.format(overhead));
    }

    /**
     * One {@code run} sub-stage whose script is {@code true}, start to exit, next to the floor: OpenSSH with a
     * ControlMaster connection held for the job running {@code true}, bare and inside sandboxer's process-group wrapper.
     */
    private void subStageVersusControlMaster(RunnerEmulator runner, String configArg, String bootstrap, Path key, String address) throws Exception {
        Path socket = dir.resolve("cm-" + bootstrap);
        List<String> ssh = List.of("ssh", "-o", "ControlPath=" + socket, "-o", "BatchMode=yes", "runner@" + address);
        LibvirtHost.run("ssh", "-i", key.toString(), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                "-o", "ControlMaster=yes", "-o", "ControlPersist=120", "-o", "ControlPath=" + socket, "-N", "-f", "runner@" + address);
        List<Duration> ours = new ArrayList<>();
        List<Duration> bare = new ArrayList<>();
        List<Duration> wrapped = new ArrayList<>();
        try {
            Path script = runner.script("step_script", "true\n");
            for (int i = 0; i <= 10; i++) { // interleaved, so drift in the guest's speed hits all three alike; the first warms up
                long start = System.nanoTime();
                check(runner.stage("run", "--config", configArg, script.toString(), "step_script"));
                Duration run = BenchmarkReport.since(start);
                start = System.nanoTime();
                timed(ssh, "true", null);
                Duration floor = BenchmarkReport.since(start);
                start = System.nanoTime();
                timed(ssh, RemoteScript.LINUX_WRAPPER, "true\n");
                Duration floorWrapped = BenchmarkReport.since(start);
                if (i > 0) {
                    ours.add(run);
                    bare.add(floor);
                    wrapped.add(floorWrapped);
                }
            }
        } finally {
            new ProcessBuilder("ssh", "-o", "ControlPath=" + socket, "-O", "exit", "runner@" + address).redirectErrorStream(true).start().waitFor();
        }
        Duration median = BenchmarkReport.median(ours);
        Duration floor = BenchmarkReport.median(bare);
        Duration floorWrapped = BenchmarkReport.median(wrapped);
        BenchmarkReport.row("run sub-stage (" + bootstrap + ")", "sandboxer run, script `true`, stage start to exit", BenchmarkReport.summary(ours));
        BenchmarkReport.row("run sub-stage (" + bootstrap + ")", "floor: OpenSSH over a held ControlMaster, `true`", BenchmarkReport.summary(bare));
        BenchmarkReport.row("run sub-stage (" + bootstrap + ")", "floor with sandboxer's process-group wrapper", BenchmarkReport.summary(wrapped));
        BenchmarkReport.row("run sub-stage (" + bootstrap + ")", "sandboxer above the floor (medians): bare / wrapped",
                BenchmarkReport.format(median.minus(floor)) + " (ratio " + ratio(median, floor) + ") / " + BenchmarkReport.format(median.minus(floorWrapped))
                        + " (ratio " + ratio(median, floorWrapped) + ")");
    }

    private static String ratio(Duration a, Duration b) {
        return String.format(java.util.Locale.ROOT, "%.2f", a.toNanos() / (double) Math.max(1, b.toNanos()));
    }

    private static void timed(List<String> ssh, String command, String stdin) throws Exception {
        List<String> argv = new ArrayList<>(ssh);
        argv.add(command);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.US_ASCII));
            }
        }
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("ssh " + command + " exited with " + p.exitValue());
        }
    }

    /** The raw boot: the same base image, kernel, initrd and size under plain virsh, until sshd sends its banner. */
    @Test
    @Order(3)
    void rawBootWithVirsh() throws Exception {
        Path overlay = host.poolDir().resolve("bench-raw-boot.qcow2");
        LibvirtHost.run("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", host.poolDir().resolve(host.baseVolume()).toString(),
                overlay.toString());
        String mac = "52:54:00:be:%02x:%02x".formatted((int) (Math.random() * 256), (int) (Math.random() * 256));
        String type = domainType; // the provider's own choice (domain_type auto), so the floor boots alike
        Path xml = dir.resolve("raw.xml");
        Files.writeString(xml, """
                <domain type='%s'>
                  <name>sbx-bench-raw-boot</name>
                  <memory unit='MiB'>1024</memory><vcpu>1</vcpu>
                  <os><type arch='x86_64' machine='q35'>hvm</type><kernel>%s</kernel><initrd>%s</initrd>
                    <cmdline>root=/dev/vda rw console=ttyS0 cloud-init=disabled</cmdline></os>
                  <devices>
                    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='%s'/><target dev='vda' bus='virtio'/></disk>
                    <interface type='network'><source network='%s'/><mac address='%s'/><model type='virtio'/></interface>
                    <serial type='pty'/>
                  </devices>
                </domain>
                """.formatted(type, host.kernel(), host.initrd(), overlay, host.network(), mac));
        long start = System.nanoTime();
        try {
            LibvirtHost.run("virsh", "-c", host.uri(), "create", xml.toString());
            String address = null;
            Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
            while (Instant.now().isBefore(deadline)) {
                if (address == null) {
                    Matcher m = Pattern.compile(Pattern.quote(mac) + "\\s+ipv4\\s+([0-9.]+)/").matcher(
                            LibvirtHost.run("virsh", "-c", host.uri(), "net-dhcp-leases", host.network(), "--mac", mac));
                    address = m.find() ? m.group(1) : null;
                }
                if (address != null && sshBanner(address)) {
                    BenchmarkReport.row("prepare to first SSH login", "raw boot with virsh create (" + type + "), until sshd's banner",
                            BenchmarkReport.format(BenchmarkReport.since(start)));
                    return;
                }
                Thread.sleep(100); // polling interval
            }
            throw new IllegalStateException("the raw guest did not answer on SSH within 10 minutes");
        } finally {
            LibvirtHost.run("virsh", "-c", host.uri(), "destroy", "sbx-bench-raw-boot");
            Files.deleteIfExists(overlay);
        }
    }

    private static boolean sshBanner(String address) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, 22), 1000);
            s.setSoTimeout(2000);
            InputStream in = s.getInputStream();
            byte[] banner = in.readNBytes(4);
            return "SSH-".equals(new String(banner, StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return false;
        }
    }

    private static RunnerEmulator.Result check(RunnerEmulator.Result r) {
        if (r.exitCode() != 0) {
            throw new IllegalStateException("stage failed (exit " + r.exitCode() + "): " + r.stderr());
        }
        return r;
    }

    /** From prepare's progress lines: the first wait (create has returned) to "is ready". */
    static Duration guestBoot(String prepareStderr) {
        Double created = null;
        Double ready = null;
        Matcher m = PROGRESS.matcher(prepareStderr);
        while (m.find()) {
            double at = Double.parseDouble(m.group(1));
            if (created == null && m.group(2).startsWith("waiting for")) {
                created = at;
            }
            if (m.group(2).contains("is ready")) {
                ready = at;
            }
        }
        if (created == null || ready == null) {
            throw new IllegalStateException("prepare's progress lines lack the wait or the ready line:\n" + prepareStderr);
        }
        return Duration.ofMillis(Math.round((ready - created) * 1000));
    }

    private static Duration scriptTime(String stdout) {
        int at = stdout.lastIndexOf(SCRIPT_TIME);
        return Duration.ofNanos(Long.parseLong(stdout.substring(at + SCRIPT_TIME.length()).strip()));
    }
}
