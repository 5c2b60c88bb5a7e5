package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.adapter.customexecutor.agent.AgentDirectory;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The native stage client ({@code src/main/go/stage-client}, built by the build before the tests), run as the launcher
 * runs it, against a scripted agent on a real Unix socket in a real {@link AgentDirectory}: the socket it picks is
 * the one {@link JobIdentity} names, the agent's answers become the stage's exit code, output and messages as on
 * the JVM path, SIGTERM cancels, and everything it does not handle goes to the JVM path (a fake launcher here) before
 * anything ran. The real agent and guest behind it: {@code CustomExecutorLibvirtIT}.
 */
class StageClientTest {
    static final Path CLIENT = Path.of("target", "stage-client", "sandboxer-stage-client").toAbsolutePath();
    private static final Path SOURCE = Path.of("src", "main", "go", "stage-client", "main.go");
    private static final int BUILD_FAILURE = 71;
    private static final int SYSTEM_FAILURE = 72;
    /** Threads of their own for the scripted agents (which may wait in accept for good) and the output readers. */
    private static final Executor THREADS = Executors.newCachedThreadPool(Thread.ofPlatform().daemon().factory());

    @TempDir
    Path dir;
    private Path agents;
    private Path response;
    private Path script;
    private Path handedOver;
    private ServerSocketChannel server;
    /** Set when the scripted agent accepted a connection: before it reads or answers anything. */
    private volatile boolean contacted;

    @BeforeEach
    void setUp() throws IOException {
        // Built whenever a Go 1.22+ is on the machine, as on CI; a build without Go ships the JVM path only.
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(CLIENT) || System.getenv("CI") != null,
                "no native stage client was built (no Go on this machine)");
        assertTrue(Files.isExecutable(CLIENT), "the build makes " + CLIENT + " wherever Go is installed, as on CI");
        agents = dir.resolve("agents");
        response = dir.resolve("response.json");
        script = Files.writeString(dir.resolve("script.sh"), "echo hello\n");
        handedOver = dir.resolve("handed-over");
        Files.writeString(response, "{\"id\": 4242, \"token\": \"secret\", \"job_info\": {\"project_id\": 7, \"instance_uuid\": \"abc\"}}");
    }

    @AfterEach
    void closeServer() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void itRunsTheScriptOnTheAgentOfTheSandboxJobIdentityNames() throws Exception {
        CompletableFuture<List<Frame>> received = startingAgent(expectedName(), (in, out) -> {
            write(out, 'o', "out\0put\n".getBytes(StandardCharsets.UTF_8));
            write(out, 'e', "err\n".getBytes(StandardCharsets.UTF_8));
            write(out, 'x', 0);
            return List.of();
        });
        Result result = client("run", "--config", "/x.json", "--connection-agent", script.toString(), "build_script");
        assertEquals(0, result.code(), result.stderr());
        assertEquals("out\0put\n", result.stdout(), "the output, byte for byte");
        assertEquals("err\n", result.stderr());
        List<Frame> frames = received.get(10, TimeUnit.SECONDS);
        assertEquals(new Frame('R', "build_script"), frames.get(0));
        assertEquals(new Frame('S', "echo hello\n"), frames.get(1));
        assertEquals("0\n", Files.readString(dir.resolve("exit-code")));
        assertFalse(Files.exists(handedOver));
    }

    @Test
    void aScriptsFailureIsTheBuildsFailureWithItsStatusInTheExitCodeFile() throws Exception {
        startingAgent(expectedName(), (in, out) -> {
            write(out, 'x', 3);
            return List.of();
        });
        Result result = client("run", script.toString(), "build_script");
        assertEquals(BUILD_FAILURE, result.code());
        assertEquals("[sandboxer] build_script exited with 3\n", result.stderr());
        assertEquals("3\n", Files.readString(dir.resolve("exit-code")));
    }

    @Test
    void anAgentThatFailsAfterTheScriptStartedIsTheStagesFailureNeverASecondRun() throws Exception {
        startingAgent(expectedName(), (in, out) -> {
            write(out, 'f', "the SSH connection broke".getBytes(StandardCharsets.UTF_8));
            return List.of();
        });
        Result result = client("run", script.toString(), "build_script");
        assertEquals(SYSTEM_FAILURE, result.code());
        assertEquals("ERROR: the sandbox " + expectedName() + " was lost during build_script: the SSH connection broke\n", result.stderr());
        assertFalse(Files.exists(handedOver), "the JVM path would run the script again");
    }

    @Test
    void anAgentThatGoesAwayAfterTheScriptStartedIsTheStagesFailure() throws Exception {
        startingAgent(expectedName(), (in, out) -> List.of()); // and closes
        Result result = client("run", script.toString(), "build_script");
        assertEquals(SYSTEM_FAILURE, result.code());
        assertTrue(result.stderr().contains("was lost during build_script: the connection agent went away"), result.stderr());
        assertFalse(Files.exists(handedOver));
    }

    @Test
    void anAgentThatRefusesBeforeStartingHandsTheStageToTheJvmPath() throws Exception {
        agent(expectedName(), (in, out) -> {
            read(in);
            read(in);
            write(out, 'f', "busy".getBytes(StandardCharsets.UTF_8));
            return List.of();
        });
        assertHandedOver(client("run", script.toString(), "build_script"), "run", script.toString(), "build_script");
    }

    @Test
    void sigtermSendsCancelAndEndsTheStageAsASystemFailure() throws Exception {
        CompletableFuture<List<Frame>> received = startingAgent(expectedName(), (in, out) -> {
            write(out, 'o', "started\n".getBytes(StandardCharsets.UTF_8));
            return List.of(read(in)); // the client's CANCEL
        });
        Process process = start("run", script.toString(), "build_script");
        byte[] started = process.getInputStream().readNBytes("started\n".length());
        assertEquals("started\n", new String(started, StandardCharsets.UTF_8));
        // SIGTERM, as the runner cancels (Process.destroy would also close the client's stdout and stderr, which the runner does not)
        assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor());
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "the client exits promptly after SIGTERM");
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(SYSTEM_FAILURE, process.exitValue(), stderr);
        assertEquals(new Frame('C', ""), received.get(10, TimeUnit.SECONDS).get(2));
        assertEquals("[sandboxer] cancelled (SIGTERM): stopping\n"
                + "[sandboxer] build_script cancelled: the connection agent stops the remote script's process group\n", stderr);
    }

    @Test
    void withoutAnAgentTheJvmPathConnectsItself() throws Exception {
        assertHandedOver(client("run", script.toString(), "build_script"), "run", script.toString(), "build_script");
    }

    @Test
    void anAgentSocketNobodyListensOnHandsOver() throws Exception {
        agent(expectedName(), (in, out) -> List.of());
        server.close();
        assertHandedOver(client("run", script.toString(), "build_script"), "run", script.toString(), "build_script");
    }

    @Test
    void anAgentDirectoryOthersCanReachIsNotUsed() throws Exception {
        agent(expectedName(), (in, out) -> {
            throw new AssertionError("the client must not talk to an agent in a directory others can reach");
        });
        Files.setPosixFilePermissions(agents, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertHandedOver(client("run", script.toString(), "build_script"), "run", script.toString(), "build_script");
        assertFalse(contacted, "the agent was contacted");
    }

    @Test
    void aJobDirectoryThatIsASymlinkIsNotUsed() throws Exception {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createDirectories(agents, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.createSymbolicLink(agents.resolve(expectedName()), elsewhere);
        assertHandedOver(client("run", script.toString(), "build_script"), "run", script.toString(), "build_script");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "--name-prefix=other", "--no-connection-agent", "--unknown"})
    void anyOtherCommandLineIsTheJvmPathsToRead(String option) throws Exception {
        agent(expectedName(), (in, out) -> {
            throw new AssertionError("nothing may reach the agent for " + option);
        });
        assertHandedOver(client("run", option, script.toString(), "build_script"), "run", option, script.toString(), "build_script");
        assertFalse(contacted, "the agent was contacted");
    }

    @Test
    void aRepeatedOptionOrAMissingScriptIsTheJvmPathsToRead() throws Exception {
        agent(expectedName(), (in, out) -> {
            throw new AssertionError("nothing may reach the agent");
        });
        assertHandedOver(client("run", "--config", "a", "--config", "b", script.toString(), "build_script"),
                "run", "--config", "a", "--config", "b", script.toString(), "build_script");
        Files.delete(handedOver);
        assertHandedOver(client("run", dir.resolve("missing.sh").toString(), "build_script"), "run", dir.resolve("missing.sh").toString(),
                "build_script");
        assertFalse(contacted, "the agent was contacted");
    }

    /**
     * Job responses the JVM reads with Jackson: the client either reaches the agent of the very sandbox
     * {@link JobIdentity} names or hands over; never another sandbox. The plain ones it must handle itself.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "{\"id\": 1, \"job_info\": {\"project_id\": 2, \"instance_uuid\": \"u\", \"instance_id\": \"i\"}}|handled",
        "{\"id\": 1, \"job_info\": {\"project_id\": 2, \"instance_id\": \"i\"}}|handled",
        "{\"id\": 1, \"job_info\": {\"project_id\": 2, \"instance_uuid\": null, \"instance_id\": \"i\"}}|handled",
        "{\"id\": 9007199254740993, \"job_info\": {\"project_id\": \"2\"}}|handled",
        "{\"id\": 12}|handled",
        "{\"id\": 12, \"job_info\": null}|handled",
        "{\"i\\u0064\": 5, \"job_info\": {\"instance_uuid\": \"\\u00e9t\\u00e9 \\ud83d\\ude00\"}}|handled",
        "{\"id\": 5, \"id\": 6}|handled",
        "{\"id\": 5, \"job_info\": {\"project_id\": 2.0}}|handled",
        "{\"id\": 5, \"job_info\": {\"project_id\": 99999999999999999999}}|either",
        "{\"id\": 5, \"job_info\": {\"instance_uuid\": 17}}|either",
        "{\"id\": 5, \"job_info\": [1]}|either",
        "{\"id\": 5.0}|either",
        "{\"id\": \"5\"}|either",
        "{\"id\": -5}|either",
        "[1]|either",
        "{\"id\": 5} trailing|either",
    })
    void theSandboxIsTheOneJobIdentityNamesOrTheJvmPathDecides(String testCase) throws Exception {
        String json = testCase.substring(0, testCase.lastIndexOf('|'));
        boolean mustHandle = testCase.endsWith("|handled");
        Files.writeString(response, json);
        String name;
        try {
            name = JobIdentity.fromResponse(json, "test").sandboxName("sandboxer");
        } catch (StageException e) {
            name = null; // the JVM refuses it: the client must not reach any agent
        }
        CompletableFuture<List<Frame>> received = name == null ? null : startingAgent(name, (in, out) -> {
            write(out, 'x', 0);
            return List.of();
        });
        Result result = client("run", script.toString(), "build_script");
        boolean handled = !Files.exists(handedOver);
        assertEquals(handled, contacted, "the client reached an agent exactly when it ran the stage itself");
        if (handled) {
            assertEquals(0, result.code(), result.stderr());
            assertTrue(received != null && received.get(10, TimeUnit.SECONDS).size() == 2, "it ran on the agent of " + name);
        }
        if (mustHandle) {
            assertTrue(handled, "a plain job response is the client's to handle: " + json + "; stderr " + result.stderr());
        }
    }

    /** The plain form the client reads is QuickStart's: the same options with a value and the same flags. */
    @Test
    void theClientKnowsTheSameOptionsAsTheQuickStart() throws IOException {
        String source = Files.readString(SOURCE);
        assertEquals(new TreeSet<>(QuickStart.RUN_OPTIONS), goKeys(source, "runOptions"));
        assertEquals(new TreeSet<>(QuickStart.RUN_FLAGS), goKeys(source, "runFlags"));
        assertEquals(new TreeSet<>(QuickStart.CLEANUP_OPTIONS), goKeys(source, "cleanupOptions"));
    }

    // --- cleanup: the agent deletes the sandbox with the backend it holds open

    @Test
    void cleanupHasTheAgentOfTheSandboxJobIdentityNamesDeleteIt() throws Exception {
        CompletableFuture<List<Frame>> received = agent(expectedName(), (in, out) -> {
            Frame delete = read(in);
            write(out, 'd', new byte[] {1});
            return List.of(delete);
        });
        Result result = client("cleanup", "--config", "/x.json", "--timeout", "1h");
        assertEquals(0, result.code(), result.stderr());
        assertEquals(List.of(new Frame('D', expectedName())), received.get(10, TimeUnit.SECONDS));
        assertEquals("[sandboxer] stopped the job's connection agent\n[sandboxer] deleted sandbox " + expectedName() + "\n", result.stderr(),
                "the JVM path's words");
        assertEquals("", result.stdout());
        assertFalse(Files.exists(handedOver));
    }

    @Test
    void cleanupOfASandboxThatIsGoneSaysSo() throws Exception {
        agent(expectedName(), (in, out) -> {
            read(in);
            write(out, 'd', new byte[] {0});
            return List.of();
        });
        Result result = client("cleanup", "--config", "/x.json");
        assertEquals(0, result.code(), result.stderr());
        assertTrue(result.stderr().endsWith("[sandboxer] nothing to clean up for " + expectedName() + "\n"), result.stderr());
    }

    @Test
    void anAgentThatCannotDeleteLeavesTheDeletionToTheJvmPathAndSaysWhy() throws Exception {
        agent(expectedName(), (in, out) -> {
            read(in);
            write(out, 'f', "libvirt is not running".getBytes(StandardCharsets.UTF_8));
            return List.of();
        });
        Result result = client("cleanup", "--config", "/x.json");
        assertEquals(0, result.code(), "the fake JVM path exits 0: " + result.stderr());
        assertEquals("cleanup --config /x.json\nSANDBOXER_NO_STAGE_CLIENT=1\nSANDBOXER_AGENT_DID_NOT_DELETE=1\n", Files.readString(handedOver),
                "handed over, telling the JVM path not to ask the agent again");
        assertTrue(result.stderr().contains("the connection agent did not delete " + expectedName() + " (libvirt is not running); deleting directly"),
                result.stderr());
    }

    @Test
    void cleanupWithoutAnAgentOrWithAnUnusualCommandLineIsTheJvmPaths() throws Exception {
        Result noAgent = client("cleanup", "--config", "/x.json");
        assertHandedOver(noAgent, "cleanup", "--config", "/x.json");
        assertEquals("", noAgent.stderr(), "nothing to say: the JVM path deletes as it always did");
        agent(expectedName(), (in, out) -> List.of(read(in)));
        assertHandedOver(client("cleanup", "--timeout=1h"), "cleanup", "--timeout=1h");
        assertHandedOver(client("cleanup", "extra"), "cleanup", "extra");
        assertFalse(contacted, "the agent was never contacted");
    }

    private static Set<String> goKeys(String source, String variable) {
        Matcher declaration = Pattern.compile("var " + variable + " = map\\[string]bool\\{([^}]*)}").matcher(source);
        assertTrue(declaration.find(), variable + " in " + SOURCE);
        Set<String> keys = new TreeSet<>();
        Matcher key = Pattern.compile("\"([^\"]+)\": true").matcher(declaration.group(1));
        while (key.find()) {
            keys.add(key.group(1));
        }
        return keys;
    }

    // --- the fake launcher, the scripted agent, the client's process

    private void assertHandedOver(Result result, String... args) throws IOException {
        assertEquals(0, result.code(), "the fake JVM path exits 0: " + result.stderr());
        assertTrue(Files.exists(handedOver), "handed over to the JVM path: " + result.stderr());
        assertEquals(String.join(" ", args) + "\nSANDBOXER_NO_STAGE_CLIENT=1\n", Files.readString(handedOver));
    }

    private String expectedName() {
        try {
            return JobIdentity.fromResponse(Files.readString(response), "test").sandboxName("sandboxer");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    interface Script {
        List<Frame> serve(DataInputStream in, DataOutputStream out) throws IOException;
    }

    record Frame(char type, String text) {
    }

    /** A one-connection agent for {@code sandbox} in a real, private agent directory; its future holds what it read. */
    private CompletableFuture<List<Frame>> agent(String sandbox, Script script) throws IOException {
        AgentDirectory.Job job = AgentDirectory.from(Map.of("SANDBOXER_AGENT_DIR", agents.toString())).create(sandbox);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(job.socket()));
        ServerSocketChannel listening = server;
        return CompletableFuture.supplyAsync(() -> {
            try (SocketChannel client = listening.accept()) {
                contacted = true;
                DataInputStream in = new DataInputStream(Channels.newInputStream(client));
                DataOutputStream out = new DataOutputStream(Channels.newOutputStream(client));
                return script.serve(in, out);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }, THREADS);
    }

    /** An agent that reads RUN and SCRIPT, says STARTED, then goes on as {@code afterStart}; its future holds all it read. */
    private CompletableFuture<List<Frame>> startingAgent(String sandbox, Script afterStart) throws IOException {
        return agent(sandbox, (in, out) -> {
            List<Frame> frames = new ArrayList<>(List.of(read(in), read(in)));
            write(out, 's', new byte[0]);
            frames.addAll(afterStart.serve(in, out));
            return frames;
        });
    }

    private static Frame read(DataInputStream in) throws IOException {
        int type = in.readUnsignedByte();
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        return new Frame((char) type, new String(payload, StandardCharsets.UTF_8));
    }

    private static void write(DataOutputStream out, char type, byte[] payload) throws IOException {
        out.writeByte(type);
        out.writeInt(payload.length);
        out.write(payload);
        out.flush();
    }

    private static void write(DataOutputStream out, char type, int number) throws IOException {
        write(out, type, ByteBuffer.allocate(4).putInt(number).array());
    }

    record Result(int code, String stdout, String stderr) {
    }

    private Result client(String... args) throws Exception {
        Process process = start(args);
        CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> readAll(process, true), THREADS);
        byte[] stderr = process.getErrorStream().readAllBytes();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the client ends");
        return new Result(process.exitValue(), new String(stdout.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8),
                new String(stderr, StandardCharsets.UTF_8));
    }

    private static byte[] readAll(Process process, boolean stdout) {
        try {
            return (stdout ? process.getInputStream() : process.getErrorStream()).readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private Process start(String... args) throws IOException {
        Path launcher = dir.resolve("fake-launcher");
        if (!Files.exists(launcher)) {
            // The JVM path, faked: it records how it was started.
            Files.writeString(launcher, "#!/bin/sh\necho \"$*\" > " + handedOver + "\necho SANDBOXER_NO_STAGE_CLIENT=$SANDBOXER_NO_STAGE_CLIENT >> "
                    + handedOver + "\nif [ -n \"${SANDBOXER_AGENT_DID_NOT_DELETE:-}\" ]; then echo SANDBOXER_AGENT_DID_NOT_DELETE=$SANDBOXER_AGENT_DID_NOT_DELETE >> "
                    + handedOver + "; fi\n");
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
        }
        List<String> command = new ArrayList<>(List.of(CLIENT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.clear();
        env.putAll(new HashMap<>(Map.of("PATH", "/usr/bin:/bin", "SANDBOXER_AGENT_DIR", agents.toString(), "JOB_RESPONSE_FILE", response.toString(),
                "BUILD_EXIT_CODE_FILE", dir.resolve("exit-code").toString(), "BUILD_FAILURE_EXIT_CODE", Integer.toString(BUILD_FAILURE),
                "SYSTEM_FAILURE_EXIT_CODE", Integer.toString(SYSTEM_FAILURE), "SANDBOXER_LAUNCHER", launcher.toString())));
        return builder.start();
    }
}
