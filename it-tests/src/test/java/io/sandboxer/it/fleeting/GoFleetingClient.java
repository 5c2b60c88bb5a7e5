package io.sandboxer.it.fleeting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

/**
 * it-tests' go-plugin host ({@code src/test/go/fleetingclient}, built by {@code scripts/build-fleeting-client.sh})
 * running one scenario against a built plugin launcher. Each step it takes is one JSON line on its stdout, read
 * here as it comes; its own and the plugin's log (re-logged by go-plugin) go to {@code log}.
 */
final class GoFleetingClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final BufferedReader steps;
    private final List<JsonNode> seen = new ArrayList<>();

    private GoFleetingClient(Process process) {
        this.process = process;
        this.steps = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    private static Path built;

    /** The client, built once per test JVM (Debian's Go packages, GOPATH mode, ~10 s) into a temporary directory. */
    static synchronized Path binary() throws IOException, InterruptedException {
        if (built == null) {
            built = build(Files.createTempDirectory("sandboxer-go-client"));
        }
        return built;
    }

    private static Path build(Path work) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of("scripts/build-fleeting-client.sh").toAbsolutePath().toString(), work.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("building the go-plugin client failed; see above");
        }
        return Path.of(out);
    }

    static GoFleetingClient start(Path client, String scenario, Path plugin, Path config, Path key, Path log, Duration deadline)
            throws IOException {
        return start(client, scenario, false, plugin, config, key, log, deadline);
    }

    /** As {@link #start}, with go-plugin's AutoMTLS when {@code autoMtls}. */
    static GoFleetingClient start(Path client, String scenario, boolean autoMtls, Path plugin, Path config, Path key, Path log,
            Duration deadline) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(client.toString(), "-scenario", scenario, "-deadline", deadline.toSeconds() + "s",
                "-automtls=" + autoMtls, "-plugin", plugin.toAbsolutePath().normalize().toString(), "-config", config.toString(),
                "-key", key.toString()).redirectError(log.toFile());
        return new GoFleetingClient(builder.start());
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
     * crash scenario expects) or when the client exits first.
     */
    JsonNode until(String name) {
        for (JsonNode step = next(); step != null; step = next()) {
            boolean failed = !step.path("error").asText().isEmpty(); // Increase/Decrease report "error": "" on success
            if (failed && !"increase".equals(step.path("step").asText())) {
                throw new AssertionError("the Go client failed at " + step + "; steps so far: " + seen);
            }
            if (name.equals(step.path("step").asText())) {
                return step;
            }
        }
        throw new AssertionError("the Go client exited before step " + name + "; steps: " + seen);
    }

    /** Answers the client's "waiting" step. */
    void proceed() throws IOException {
        process.getOutputStream().write('\n');
        process.getOutputStream().flush();
    }

    List<JsonNode> seen() {
        return List.copyOf(seen);
    }

    int waitFor(Duration limit) throws InterruptedException {
        while (next() != null) {
            // drain the remaining steps into seen
        }
        if (!process.waitFor(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the Go client did not exit within " + limit);
        }
        return process.exitValue();
    }

    /** Kills the client and the plugin it started: a failed test must not leave a plugin process behind. */
    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
