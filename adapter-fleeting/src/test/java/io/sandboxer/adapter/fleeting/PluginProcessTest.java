package io.sandboxer.adapter.fleeting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.health.v1.HealthCheckResponse;
import io.sandboxer.adapter.fleeting.protocol.ConnectorConfig;
import io.sandboxer.adapter.fleeting.protocol.InitRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugin as the runner starts it: a child process, the handshake on stdout, hclog JSON on stderr. */
class PluginProcessTest {
    private static final Pattern TIMESTAMP = Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}(Z|[+-]\\d\\d:\\d\\d)$");
    @TempDir
    Path dir;

    /** The first stdout line (the handshake), or null if stdout closes first; within a minute. */
    private static String firstLine(Process plugin) throws Exception {
        BufferedReader stdout = new BufferedReader(new InputStreamReader(plugin.getInputStream(), StandardCharsets.UTF_8));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return stdout.readLine();
            } catch (IOException e) {
                return null;
            }
        }).get(60, TimeUnit.SECONDS);
    }

    private Process start(String... args) throws IOException {
        return start(List.of(), args);
    }

    private Process start(List<String> hostJvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(hostJvmOptions);
        // The same JVM options the launcher uses: they keep stderr pure hclog JSON.
        command.addAll(Files.readAllLines(Path.of("target/classes/sandboxer-jvm-options.txt")).stream().filter(l -> !l.isBlank()).toList());
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow"); // as the launcher does: JDK 21 does not know this option
        }
        command.addAll(List.of("-Dsandboxer.backend=in-memory", "-cp", System.getProperty("java.class.path"), FleetingPlugin.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(dir.resolve("stderr").toFile());
        builder.environment().put("PLUGIN_PROTOCOL_VERSIONS", "0");
        builder.environment().put("PLUGIN_MIN_PORT", "20000");
        builder.environment().put("PLUGIN_MAX_PORT", "25000");
        builder.environment().put("SANDBOXER_LOG_LEVEL", "debug");
        return builder.start();
    }

    @Test
    void theJvmsOwnComplaintsNeverReachStdoutBeforeTheHandshake() throws Exception {
        // A broken CDS archive setting on the host: by default the JVM logs that error on stdout, where go-plugin
        // expects the handshake as the first line.
        Process plugin = start(List.of("-XX:SharedArchiveFile=" + dir.resolve("missing.jsa")));
        try {
            String first = firstLine(plugin);
            assertTrue(first != null && first.startsWith("1|0|tcp|127.0.0.1:"), String.valueOf(first));
        } finally {
            plugin.destroyForcibly().waitFor();
        }
        assertTrue(Files.readString(dir.resolve("stderr")).contains("missing.jsa"), "the complaint went to stderr");
    }

    @Test
    void onlyTheHandshakeOnStdoutJsonOnStderrIgnoresSigtermAndExitsOnControllerShutdown() throws Exception {
        Process plugin = start();
        String handshake = firstLine(plugin);
        assertTrue(handshake != null && handshake.matches("^1\\|0\\|tcp\\|127\\.0\\.0\\.1:\\d+\\|grpc\\|$"), String.valueOf(handshake));
        CompletableFuture<String> rest = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(plugin.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<unreadable>";
            }
        });

        try (PluginClient client = PluginClient.plaintext(handshake)) {
            client.group.init(InitRequest.newBuilder()
                    .setConfig(ByteString.copyFromUtf8("{\"provider\": \"in-memory\", \"group\": \"g\", \"max_size\": 2}"))
                    .setSettings(PluginClient.settings(ConnectorConfig.newBuilder().setUsername("core"))).build());
            // The runner's process group gets SIGTERM on stop: the plugin must outlive it until Shutdown.
            new ProcessBuilder("kill", "-TERM", Long.toString(plugin.pid())).start().waitFor();
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, client.health("plugin"));
            assertTrue(plugin.isAlive());
            client.shutdownPlugin();
        }
        assertTrue(plugin.waitFor(30, TimeUnit.SECONDS), "exited after GRPCController.Shutdown");
        assertEquals(0, plugin.exitValue());
        assertEquals("", rest.get(10, TimeUnit.SECONDS), "nothing on stdout after the handshake");

        List<String> lines = Files.readAllLines(dir.resolve("stderr"));
        assertTrue(lines.size() >= 3, "it logged: " + lines);
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            if (!line.startsWith("{")) {
                throw new AssertionError("a non-JSON line on stderr: " + line + "\nall of stderr:\n" + String.join("\n", lines));
            }
            JsonNode entry = json.readTree(line); // every line, not most: the host treats anything else as plain text

            assertTrue(List.of("trace", "debug", "info", "warn", "error").contains(entry.path("@level").asText()), line);
            assertTrue(entry.hasNonNull("@message"), line);
            assertTrue(TIMESTAMP.matcher(entry.path("@timestamp").asText()).matches(), line);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("serving on 127.0.0.1")), String.join("\n", lines));
    }

    @Test
    void versionPrintsBuildInformation() throws Exception {
        for (String flag : List.of("version", "-version", "--version")) {
            Process plugin = start(flag);
            String out = new String(plugin.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(plugin.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, plugin.exitValue());
            assertTrue(out.contains("Name:         fleeting-plugin-in-memory") && out.contains("Version:      0.1.0-SNAPSHOT"), out);
        }
    }
}
