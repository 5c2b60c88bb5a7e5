package io.sandboxer.it.fleeting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.core.testing.TestResources;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * it-tests' Fleeting host ({@code src/test/go/fleetingharness/host}, built with GitLab's fleeting library by
 * {@code scripts/build-go-peers.sh}) running one scenario against a plugin executable, as GitLab Runner runs a
 * plugin: {@code fleeting.RunPlugin}, the library's InstanceGroup client, its SSH connector. Each step it takes is
 * one JSON line on its stdout, read here as it comes; its own and the plugin's log (re-logged by go-plugin) go to
 * {@code log}.
 */
public final class FleetingHost implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final BufferedReader steps;
    private final List<JsonNode> seen = new ArrayList<>();

    private FleetingHost(Process process) {
        this.process = process;
        this.steps = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    private static Path peers;

    /**
     * The directory of the Go peers ({@code host}, {@code descriptor}, {@code fleeting-plugin-dummy}), built once
     * and cached by the script under /var/cache/sandboxer (the first build downloads the modules: about a minute).
     */
    public static synchronized Path peers() {
        if (peers == null) {
            peers = Path.of(LibvirtHost.run(Path.of("scripts/build-go-peers.sh").toAbsolutePath().toString()).strip());
        }
        return peers;
    }

    /**
     * A {@code plugin_config} with the libvirt Go plugin's documented keys, adapted to libvirt's test driver (whose
     * network hands out loopback addresses, so no SSH probe leaves this machine), in {@code dir}.
     */
    public static Path testDriverConfig(Path dir, String name) throws IOException {
        Path state = Files.createDirectories(dir.resolve("state-" + name));
        return Files.writeString(dir.resolve(name + ".json"), """
                {"uri": "test://%s", "pool_name": "pool", "base_volume_name": "base.qcow2", "network_name": "default",
                 "state_dir": "%s", "max_size": 3, "vcpu_count": 1, "memory_mib": 512, "domain_type": "qemu", "address_source": "auto"}
                """.formatted(TestResources.path("/libvirt/test-node.xml"), state));
    }

    /** fleeting's own reference plugin, built from the fleeting module. */
    static Path dummyPlugin() {
        return peers().resolve("fleeting-plugin-dummy");
    }

    /** Runs {@code scenario} against {@code plugin}; {@code extra} are more host flags (e.g. -instances 1). */
    public static FleetingHost start(String scenario, Path plugin, Path config, Path key, Path log, Duration deadline, String... extra)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(peers().resolve("host").toString(), "-scenario", scenario,
                "-deadline", deadline.toSeconds() + "s", "-plugin", plugin.toAbsolutePath().normalize().toString(), "-config", config.toString(),
                "-key", key == null ? "" : key.toString()));
        command.addAll(List.of(extra));
        return new FleetingHost(new ProcessBuilder(command).redirectError(log.toFile()).start());
    }

    /** The next step the client reports; null when it has exited. */
    JsonNode next() {
        try {
            String line = steps.readLine();
            if (line == null) {
                return null;
            }
            JsonNode step = JSON.readTree(line);
            seen.add(step);
            return step;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads steps up to and including {@code name}; fails on a step with an error (except Increase's, which the
     * crash scenario expects) or when the host exits first.
     */
    public JsonNode until(String name) {
        for (JsonNode step = next(); step != null; step = next()) {
            boolean failed = step.has("error");
            if (failed && !"increase".equals(step.path("step").asText())) {
                throw new AssertionError("the Fleeting host failed at " + step + "; steps so far: " + seen);
            }
            if (name.equals(step.path("step").asText())) {
                return step;
            }
        }
        throw new AssertionError("the Fleeting host exited before step " + name + "; steps: " + seen);
    }

    /**
     * Reads up to the host's last step, {@code kill} (the plugin stopped as the runner stops it), and checks that the
     * host exited 0; otherwise fails with its steps and {@code log}.
     */
    public void awaitCleanExit(Path log) throws IOException, InterruptedException {
        until("kill");
        int exit = waitFor(Duration.ofMinutes(1));
        if (exit != 0) {
            throw new AssertionError("the Fleeting host exited " + exit + "; steps: " + seen + "\n" + Files.readString(log));
        }
    }

    /** The host process: the plugin's parent, as the runner is. */
    Process process() {
        return process;
    }

    /** The plugin processes this host started (the launcher execs java, so they are its children). */
    public List<ProcessHandle> plugins() {
        return process.children().toList();
    }

    public List<JsonNode> seen() {
        return List.copyOf(seen);
    }

    public int waitFor(Duration limit) throws InterruptedException {
        while (next() != null) {
            // drain the remaining steps into seen
        }
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the Fleeting host did not exit within " + limit);
        }
        return process.exitValue();
    }

    /** Kills the host and the plugin it started: a failed test must not leave a plugin process behind. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
