package io.sandboxer.it.isolation;

import static io.sandboxer.adapter.customexecutor.BadInput.flag;
import static io.sandboxer.adapter.customexecutor.BadInput.job;
import static io.sandboxer.adapter.customexecutor.BadInput.setting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sandboxer.adapter.customexecutor.BadInput;
import io.sandboxer.adapter.customexecutor.RunnerEmulator;
import io.sandboxer.it.fleeting.FleetingHost;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input of every kind, through the built adapters on the real libvirtd: a setting in the {@code plugin_config}
 * file, a driver flag, a job variable ({@code CUSTOM_ENV_*}), the runner's environment. Each one must be refused
 * before anything exists (no domain, no volume, no file in state_dir), with a message that names the setting, flag or
 * variable and what is allowed, and that carries no Java class name and no secret.
 *
 * <p>The custom-executor cases run a {@code prepare} stage; the settings cases also go through the Fleeting plugin's
 * Init, called by GitLab's fleeting library, since both adapters share one validation.
 */
class BadInputLibvirtIT {
    private static final Path LAUNCHER = LibvirtHost.SANDBOXER;
    private static final Path PLUGIN = LibvirtHost.FLEETING_PLUGIN;
    private static final Path STATE = Path.of("/var/lib/sandboxer/it-bad-input");
    private static final String GROUP = "sbx-it-bad";
    private static final String SECRET = "s3cr3t-never-shown";

    private static LibvirtHost host;

    @TempDir
    Path dir;

    @BeforeAll
    static void prepareHost() {
        host = LibvirtHost.prepareWith(STATE);
    }

    @AfterEach
    void nothingWasCreated() throws Exception {
        String left = host.leftovers(GROUP);
        List<Path> files = List.of();
        if (Files.exists(STATE)) {
            try (Stream<Path> walk = Files.walk(STATE)) {
                files = walk.filter(Files::isRegularFile).toList();
            }
        }
        if (!left.isEmpty() || !files.isEmpty()) {
            // Removed before failing, so one case's mistake does not become the next case's.
            LibvirtHost.run("sh", "-c", "for d in $(virsh -c " + host.uri() + " list --all --name | grep " + GROUP + "); do virsh -c " + host.uri()
                    + " destroy $d; virsh -c " + host.uri() + " undefine $d; done; for v in $(virsh -c " + host.uri() + " vol-list " + host.pool()
                    + " | awk '{print $1}' | grep " + GROUP + "); do virsh -c " + host.uri() + " vol-delete --pool " + host.pool() + " $v; done; rm -f "
                    + STATE + "/* " + STATE + "/.[!.]*; true");
        }
        assertEquals("", left, "no domain or volume appeared");
        assertEquals(List.of(), files, "no file appeared in state_dir");
    }

    static Stream<BadInput> settingsCases() {
        return Stream.of(
                setting("empty uri", s -> s.put("uri", ""), "uri", "qemu:///system"),
                setting("uri with a password that cannot connect", s -> s.put("uri", "qemu+tcp://admin:" + SECRET + "@127.0.0.1:1/system"),
                        "127.0.0.1"),
                setting("vcpu_count beyond QEMU", s -> s.put("vcpu_count", 100000), "vcpu_count", "between 1 and 4096"),
                setting("vcpu_count overflowing an int", s -> s.put("vcpu_count", 99999999999L), "vcpu_count", "whole number"),
                setting("memory_mib below the minimum", s -> s.put("memory_mib", 1), "memory_mib", "between 256 and"),
                setting("memory_mib beyond the host", s -> s.put("memory_mib", 16000000), "memory_mib 16000000", "hypervisor host's memory"),
                setting("disk_size_gib beyond any disk", s -> s.put("disk_size_gib", 500000), "disk_size_gib", "between 1 and 65536"),
                setting("unknown machine_type", s -> s.put("machine_type", "pc-q99"), "machine_type \"pc-q99\"", "allowed are", "q35"),
                setting("machine_type with shell characters", s -> s.put("machine_type", "q35;reboot"), "machine_type", "machine type such as q35"),
                setting("missing boot kernel", s -> s.with("boot").put("kernel", "/nonexistent/vmlinuz"), "boot.kernel", "does not exist"),
                setting("missing CA file", s -> s.put("ca_certificates_path", "/nonexistent/ca.pem"), "ca_certificates_path", "does not exist"),
                setting("ttl overflowing", s -> s.put("ttl", "99999999999h"), "ttl", "longest duration"),
                setting("pool that does not exist", s -> s.put("pool_name", "no-such-pool"), "pool_name \"no-such-pool\"", "not a storage pool"),
                setting("base volume that does not exist", s -> s.put("base_volume_name", "no-such-base.qcow2"), "base_volume_name",
                        "no-such-base.qcow2"),
                setting("domain_prefix with a path", s -> s.put("domain_prefix", "../x"), "domain_prefix", "lower-case letters"),
                setting("misspelt key", s -> s.put("vcpus", 2), "vcpus", "did you mean \"vcpu_count\""),
                setting("negative max_parallel_creates", s -> s.put("max_parallel_creates", -1), "max_parallel_creates", "between 1 and 64"));
    }

    static Stream<BadInput> driverCases() {
        return Stream.of(
                flag("--name-prefix with a path", List.of("--name-prefix", "../../etc"), "--name-prefix \"../../etc\"", "lowercase letters"),
                flag("--max-memory overflowing", List.of("--max-memory", "99999Ei"), "--max-memory \"99999Ei\"", "between 256Mi and 16Ti"),
                flag("--ssh-port 0", List.of("--ssh-port", "0"), "--ssh-port", "1"),
                flag("--timeout that is no duration", List.of("--timeout", "forever"), "--timeout", "90s"),
                flag("--ssh-password empty", List.of("--ssh-password", ""), "--ssh-password", "at least one character"),
                flag("--ssh-password-file missing", List.of("--ssh-password-file", "/nonexistent/pw"), "--ssh-password-file", "no such file"),
                flag("--config a directory", List.of("--config", "/etc"), "--config /etc", "directory"),
                job("VM_MEMORY_REQUEST", "1", "VM_MEMORY_REQUEST", "256Mi"),
                job("VM_MEMORY_REQUEST", "9Ei", "VM_MEMORY_REQUEST", "maximum is 1024Mi"),
                job("VM_MEMORY_REQUEST", "lots", "VM_MEMORY_REQUEST"),
                job("VM_CPU_REQUEST", "0", "VM_CPU_REQUEST", "100m"),
                job("VM_CPU_REQUEST", "64", "VM_CPU_REQUEST", "1"),
                job("VM_STORAGE_REQUEST", "500Gi", "VM_STORAGE_REQUEST", "4Gi"),
                job("CI_JOB_IMAGE", "../../../etc/shadow", "CI_JOB_IMAGE", "not allowed"),
                job("CI_JOB_IMAGE", GROUP + "job-j1-0123456789ab.qcow2", "CI_JOB_IMAGE", "not allowed"),
                job("VM_MACHINE_TYPE", "pc-q99", "machine type of", "\"pc-q99\" is not offered", "q35"),
                job("VM_MACHINE_TYPE", "q35'/><devices><disk", "CUSTOM_ENV_VM_MACHINE_TYPE", "machine type such as q35"),
                job("VM_ARCHITECTURE", "sparc", "VM_ARCHITECTURE", "amd64"),
                job("VM_TTL", "99999999999h", "VM_TTL", "longest duration"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"settingsCases", "driverCases"})
    void aPrepareStageRefusesItBeforeCreatingAnything(BadInput bad) throws Exception {
        RunnerEmulator runner = bad.applyTo(RunnerEmulator.withLauncher(LAUNCHER, dir.resolve("job"), "4711"));
        List<String> args = new ArrayList<>(List.of("prepare"));
        args.addAll(bad.flags());
        // The case's own flag wins: the usual ones are added only where it gives none.
        for (String[] usual : new String[][] {{"--config", config(bad).toString()}, {"--name-prefix", GROUP + "job"}, {"--timeout", "2m"}}) {
            if (!bad.flags().contains(usual[0])) {
                args.addAll(List.of(usual));
            }
        }
        RunnerEmulator.Result prepare = runner.stage(Duration.ofMinutes(3), args.toArray(String[]::new));
        assertEquals(2, prepare.exitCode(), "SYSTEM_FAILURE_EXIT_CODE: " + prepare.stderr());
        assertWellWorded(bad, prepare.stderr());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("settingsCases")
    void theFleetingPluginsInitRefusesItTooBeforeCreatingAnything(BadInput bad) throws Exception {
        Path log = dir.resolve("host.log");
        try (FleetingHost runner = FleetingHost.start("sweep", PLUGIN, config(bad), null, log, Duration.ofMinutes(2))) {
            assertEquals(1, runner.waitFor(Duration.ofMinutes(2)), "the runner's Init fails: " + runner.seen());
            JsonNode init = runner.seen().stream().filter(s -> s.path("step").asText().equals("init")).findFirst()
                    .orElseThrow(() -> new AssertionError("no init step: " + runner.seen()));
            assertWellWorded(bad, init.path("error").asText());
            assertFalse(Files.readString(log).contains(SECRET), "the secret is not in the plugin's log");
        }
    }

    private Path config(BadInput bad) throws Exception {
        ObjectNode settings = host.settings(GROUP, STATE, "").put("provider", "libvirt").put("domain_prefix", GROUP).put("max_size", 1)
                .put("bootstrap_delivery", "file");
        bad.settings().accept(settings);
        return Files.writeString(dir.resolve("libvirt.json"), settings.toString());
    }

    private static void assertWellWorded(BadInput bad, String message) {
        assertEquals(List.of(), bad.problemsWith(message), message);
        assertFalse(message.contains(SECRET), "no secret: " + message);
    }

    /** A state_dir under a private directory is refused by both adapters, and is not made first. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("privateParents")
    void aStateDirQemuCannotReachIsRefusedBeforeItIsMade(String adapter) throws Exception {
        Path privateParent = Files.createDirectories(dir.resolve("private"));
        Files.setPosixFilePermissions(privateParent, PosixFilePermissions.fromString("rwx------"));
        Path state = privateParent.resolve("state");
        BadInput bad = setting("state_dir under a 0700 directory", s -> s.put("state_dir", state.toString()), "state_dir", "cannot be reached by QEMU",
                "rwx------");
        if (adapter.equals("custom-executor")) {
            aPrepareStageRefusesItBeforeCreatingAnything(bad);
        } else {
            theFleetingPluginsInitRefusesItTooBeforeCreatingAnything(bad);
        }
        assertFalse(Files.exists(state), "state_dir was not created before the refusal");
    }

    static Stream<Arguments> privateParents() {
        return Stream.of(Arguments.of("custom-executor"), Arguments.of("fleeting"));
    }
}
