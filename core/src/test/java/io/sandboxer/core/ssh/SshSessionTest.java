package io.sandboxer.core.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.credentials.SshKeyGenerator;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.lifecycle.Backoff;
import io.sandboxer.core.lifecycle.Deadline;
import io.sandboxer.core.lifecycle.ProgressListener;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.lifecycle.SshLogin;
import io.sandboxer.core.lifecycle.WaitStrategy;
import io.sandboxer.core.model.Architecture;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.ConnectProtocol;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.testing.Keys;
import io.sandboxer.core.testing.Poll;
import io.sandboxer.core.testing.TestSshServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SSH layer against a real SSH server (Apache MINA SSHD) running real processes. */
class SshSessionTest {
    private static final String USER = "runner";
    private static final String PASSWORD = "correct horse";
    @TempDir
    static Path dir;
    private static TestSshServer server;
    private static SshPrivateKey clientKey;

    @BeforeAll
    static void startServer() throws IOException {
        Files.createDirectories(dir.resolve("sftp"));
        server = TestSshServer.start(USER, PASSWORD, dir.resolve("sftp"), dir.resolve("hostkey"));
        clientKey = Keys.load("openssh_ed25519");
        server.authorize(clientKey.keyPair().getPublic());
    }

    @AfterAll
    static void stopServer() throws IOException {
        server.close();
    }

    private static SshTarget keyTarget() {
        return new SshTarget("127.0.0.1", server.port(), USER, new Credential.PrivateKey(clientKey), HostKeyPolicy.pinned(server.hostKey()));
    }

    private static SshSession connect() {
        return SshSession.connect(keyTarget(), SshOptions.DEFAULT);
    }

    @Test
    void exitCodesZeroOneAndKilledBySignal() {
        try (SshSession ssh = connect()) {
            assertEquals(0, ssh.exec("true", null, null).exitCode());
            assertEquals(1, ssh.exec("exit 1", null, null).exitCode());
            assertEquals(137, ssh.exec("kill -9 $$", null, null).exitCode());
        }
    }

    @Test
    void stdoutAndStderrStaySeparate() {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try (SshSession ssh = connect()) {
            ExecResult result = ssh.exec("echo to-out; echo to-err >&2; echo more-out", out, err);
            assertEquals(0, result.exitCode());
        }
        assertEquals("to-out\nmore-out\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("to-err\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void stdinIsFedAndClosed() {
        var out = new ByteArrayOutputStream();
        try (SshSession ssh = connect()) {
            var script = new ByteArrayInputStream("echo from-script\nexit 3\n".getBytes(StandardCharsets.UTF_8));
            ExecResult result = ssh.exec("/bin/sh", script, out, null);
            assertEquals(3, result.exitCode());
        }
        assertEquals("from-script\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aStartedCommandRunsBeforeItsInputAndKeepsItsEarlyOutputForTheSinks() throws Exception {
        Path ran = dir.resolve("started-" + UUID.randomUUID());
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try (SshSession ssh = connect()) {
            StartedCommand started = ssh.start("touch " + ran + "; echo early-out; echo early-err >&2; exec /bin/sh");
            // The remote side runs (and has printed) before any input or sink exists.
            Poll.until("the started command runs", Duration.ofSeconds(10), () -> Files.exists(ran));
            assertTrue(started.isAlive(), "it waits for its input");

            ExecResult result = started.finish(new ByteArrayInputStream("echo late-out\nexit 4\n".getBytes(StandardCharsets.UTF_8)), out, err);

            assertEquals(4, result.exitCode());
            assertEquals("early-out\nlate-out\n", out.toString(StandardCharsets.UTF_8));
            assertEquals("early-err\n", err.toString(StandardCharsets.UTF_8));
            assertEquals(0, ssh.exec("true", null, null).exitCode(), "the connection serves on");
        }
    }

    @Test
    void aStartedCommandThatEndedIsNotAliveAndAClosedOneEnds() throws Exception {
        // cat reads its stdin, then a file that is not there: it ends when its input does (or when it is killed).
        String marker = "cat - " + dir.resolve("never-" + UUID.randomUUID());
        try (SshSession ssh = connect()) {
            StartedCommand quick = ssh.start("exit 0");
            Poll.until("the command has ended", Duration.ofSeconds(10), () -> !quick.isAlive());

            StartedCommand waiting = ssh.start("exec " + marker);
            Poll.until("the waiting command runs", Duration.ofSeconds(10), () -> processRunning(marker));
            assertTrue(waiting.isAlive());
            waiting.close();
            Poll.until("the closed command is gone", Duration.ofSeconds(10), () -> !processRunning(marker));
        }
    }

    @Test
    void hundredMegabytesAreStreamedNotBuffered() {
        long total = 100L * 1024 * 1024;
        AtomicLong received = new AtomicLong();
        AtomicLong chunks = new AtomicLong();
        AtomicLong largestChunk = new AtomicLong();
        OutputStream counting = new OutputStream() {
            @Override
            public void write(int b) {
                received.incrementAndGet();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                received.addAndGet(len);
                chunks.incrementAndGet();
                largestChunk.accumulateAndGet(len, Math::max);
            }
        };
        try (SshSession ssh = connect()) {
            ExecResult result = ssh.exec("head -c " + total + " /dev/zero", counting, null);
            assertEquals(0, result.exitCode());
        }
        assertEquals(total, received.get());
        // Delivered in many small pieces as they arrived, never as one buffered blob.
        assertTrue(chunks.get() > 1000, "chunks: " + chunks.get());
        assertTrue(largestChunk.get() <= 64 * 1024, "largest chunk: " + largestChunk.get());
    }

    @Test
    void passwordAuthentication() {
        var target = new SshTarget("127.0.0.1", server.port(), USER, new Credential.Password(Secret.of(PASSWORD)),
                HostKeyPolicy.pinned(server.hostKey()));
        try (SshSession ssh = SshSession.connect(target, SshOptions.DEFAULT)) {
            assertEquals("ok\n", ssh.execForText("echo ok"));
        }
    }

    @Test
    void wrongPasswordIsAnAuthError() {
        var target = new SshTarget("127.0.0.1", server.port(), USER, new Credential.Password(Secret.of("wrong")),
                HostKeyPolicy.pinned(server.hostKey()));
        SshException e = assertThrows(SshException.class, () -> SshSession.connect(target, SshOptions.DEFAULT));
        assertEquals(SshException.Kind.AUTH, e.kind());
        assertTrue(e.getMessage().contains("refused the password"), e.getMessage());
        assertTrue(!e.getMessage().contains("wrong"), "the password must not appear in the message");
    }

    @Test
    void unknownKeyIsAnAuthError() {
        var stranger = new SshKeyGenerator().generateEd25519();
        var target = new SshTarget("127.0.0.1", server.port(), USER, new Credential.PrivateKey(stranger), HostKeyPolicy.pinned(server.hostKey()));
        SshException e = assertThrows(SshException.class, () -> SshSession.connect(target, SshOptions.DEFAULT));
        assertEquals(SshException.Kind.AUTH, e.kind());
    }

    @Test
    void wrongPinnedHostKeyIsRefused() {
        var otherHostKey = new SshKeyGenerator().generateEd25519().publicKey();
        var target = new SshTarget("127.0.0.1", server.port(), USER, new Credential.PrivateKey(clientKey), HostKeyPolicy.pinned(otherHostKey));
        SshException e = assertThrows(SshException.class, () -> SshSession.connect(target, SshOptions.DEFAULT));
        assertEquals(SshException.Kind.HOST_KEY, e.kind());
    }

    @Test
    void insecureModeAcceptsAnyHostKey() {
        var target = new SshTarget("127.0.0.1", server.port(), USER, new Credential.PrivateKey(clientKey), HostKeyPolicy.insecure("test"));
        try (SshSession ssh = SshSession.connect(target, SshOptions.DEFAULT)) {
            assertEquals("ok\n", ssh.execForText("echo ok"));
        }
    }

    @Test
    void closedPortIsAConnectError() throws IOException {
        int port;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        var target = new SshTarget("127.0.0.1", port, USER, new Credential.PrivateKey(clientKey), HostKeyPolicy.insecure("test"));
        SshException e = assertThrows(SshException.class, () -> SshSession.connect(target, SshOptions.DEFAULT));
        assertEquals(SshException.Kind.CONNECT, e.kind());
    }

    @Test
    void cancelStopsALongCommandAndKillsIt() throws Exception {
        String marker = "sleep 4321." + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1000);
        var out = new ByteArrayOutputStream();
        SshSession ssh = connect();
        CompletableFuture<Throwable> running = CompletableFuture.supplyAsync(() -> {
            try {
                ssh.exec("echo started; exec " + marker, out, null);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Poll.until("the command printed its first line", Duration.ofSeconds(10),
                () -> out.toString(StandardCharsets.UTF_8).contains("started"));
        Poll.until("the remote sleep runs", Duration.ofSeconds(10), () -> processRunning(marker));

        ssh.cancel();

        Throwable failure = running.get(10, TimeUnit.SECONDS);
        assertTrue(failure instanceof SshException se && se.kind() == SshException.Kind.CANCELLED, String.valueOf(failure));
        Poll.until("the remote process is gone", Duration.ofSeconds(10), () -> !processRunning(marker));
        assertThrows(SshException.class, () -> ssh.exec("true", null, null));
    }

    @Test
    void uploadWritesContentAndMode() throws IOException {
        byte[] content = "#!/bin/sh\necho uploaded\n".getBytes(StandardCharsets.UTF_8);
        try (SshSession ssh = connect()) {
            ssh.upload(content, "/script.sh", 0700);
        }
        Path written = dir.resolve("sftp/script.sh");
        assertArrayEquals(content, Files.readAllBytes(written));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(written)));
    }

    @Test
    void readinessWaitsForTheServerAndGivesUpAtTheDeadline() throws IOException {
        ConnectInfo server = new ConnectInfo("vm", OsFamily.LINUX, Architecture.AMD64, ConnectProtocol.SSH, "127.0.0.1", "127.0.0.1",
                SshSessionTest.server.port(), USER, new Credential.PrivateKey(clientKey), null);
        assertEquals(server, new SshLogin(SshOptions.DEFAULT.withConnectTimeout(Duration.ofSeconds(2)), HostKeyPolicy.insecure("test"))
                .check(null, "vm", server));
        int port;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        AtomicLong attempts = new AtomicLong();
        ConnectInfo nobody = new ConnectInfo("vm", OsFamily.LINUX, Architecture.AMD64, ConnectProtocol.SSH, "127.0.0.1", "127.0.0.1", port, USER,
                new Credential.PrivateKey(clientKey), null);
        SshLogin login = new SshLogin(SshOptions.DEFAULT.withConnectTimeout(Duration.ofSeconds(2)), HostKeyPolicy.insecure("test"));
        WaitStrategy counted = WaitStrategy.named("an SSH login", (provider, id, known) -> {
            attempts.incrementAndGet();
            return login.check(provider, id, nobody);
        });
        SandboxException e = assertThrows(SandboxException.class, () -> new Readiness(List.of(counted), new Backoff(Duration.ofMillis(50),
                Duration.ofMillis(200), 1.5)).await(null, "vm", Deadline.after(Duration.ofMillis(600), Clock.systemUTC()), ProgressListener.SILENT));
        assertTrue(e.isRetryable(), "the end of a wait, not a broken sandbox");
        assertTrue(attempts.get() >= 2, "retried with backoff, attempts: " + attempts.get());
        assertTrue(e.getMessage().contains("last: "), e.getMessage());
    }

    private static boolean processRunning(String commandLine) {
        try {
            Process p = new ProcessBuilder("pgrep", "-f", commandLine).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            throw new IllegalStateException("pgrep (procps) is needed by this test", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
