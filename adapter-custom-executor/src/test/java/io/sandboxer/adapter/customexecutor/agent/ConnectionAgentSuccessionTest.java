package io.sandboxer.adapter.customexecutor.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshOptions;
import io.sandboxer.core.ssh.SshSession;
import io.sandboxer.core.ssh.SshTarget;
import io.sandboxer.core.testing.TestSshServer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two agents of one job in turn (a retried prepare after a killed one): the one that stops last must not take the
 * socket or pid file of the one that serves now.
 */
class ConnectionAgentSuccessionTest {
    private static final String SANDBOX = "sandboxer-j77-0123456789ab";
    @TempDir
    Path dir;

    @Test
    void anAgentThatStopsAfterItsSuccessorStartedLeavesTheSuccessorsSocketAlone() throws Exception {
        Files.createDirectories(dir.resolve("sftp"));
        try (TestSshServer guest = TestSshServer.start("runner", "pw", dir.resolve("sftp"), dir.resolve("hostkey"))) {
            AgentDirectory agents = AgentDirectory.from(Map.of("SANDBOXER_AGENT_DIR", dir.resolve("agents").toString()));
            AgentDirectory.Job job = agents.create(SANDBOX);
            ConnectionAgent earlier = agent(job, guest);
            earlier.bind();
            CompletableFuture<String> earlierServes = CompletableFuture.supplyAsync(earlier::serve);
            ConnectionAgent successor = agent(job, guest);
            successor.bind(); // replaces the socket and the pid file
            CompletableFuture<String> successorServes = CompletableFuture.supplyAsync(successor::serve);

            earlier.stop("its VM was deleted as a leftover");
            assertEquals("its VM was deleted as a leftover", earlierServes.get(10, TimeUnit.SECONDS));
            assertTrue(Files.exists(job.socket()), "the successor's socket is still there");
            assertTrue(Files.exists(job.pidFile()), "and its pid file");

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (AgentClient client = AgentClient.connect(job.socket())) {
                assertEquals(new AgentClient.Outcome.Exited(0), client.run("build_script", "echo served\n".getBytes(StandardCharsets.UTF_8), out,
                        new ByteArrayOutputStream()));
            }
            assertEquals("served\n", out.toString(StandardCharsets.UTF_8));

            assertTrue(AgentClient.stop(job.socket()));
            assertEquals("cleanup asked", successorServes.get(10, TimeUnit.SECONDS));
            assertFalse(Files.exists(job.socket()), "the last agent removes its own socket");
            assertFalse(Files.exists(job.pidFile()));
        }
    }

    private static ConnectionAgent agent(AgentDirectory.Job job, TestSshServer guest) {
        SshSession ssh = SshSession.connect(new SshTarget("127.0.0.1", guest.port(), "runner", new Credential.Password(Secret.of("pw")),
                HostKeyPolicy.insecure("a test server")), SshOptions.DEFAULT.withConnectTimeout(Duration.ofSeconds(10)));
        return new ConnectionAgent(job, () -> false, ssh, OsFamily.LINUX, Duration.ofHours(1), Clock.systemUTC());
    }
}
