package io.sandboxer.adapter.customexecutor.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.provider.SandboxException;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cleanup's DELETE on a real agent socket, with a real SSH server as the guest and the backend's deletion scripted:
 * the agent deletes only its own sandbox, answers after it removed its directory, and on the backend's failure
 * answers FAILED with the reason and still stops (cleanup then deletes by itself).
 */
class ConnectionAgentDeletionTest {
    private static final String SANDBOX = "sandboxer-j78-0123456789ab";
    @TempDir
    Path dir;
    private TestSshServer guest;
    private AgentDirectory.Job job;
    private final List<String> deletions = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(dir.resolve("sftp"));
        guest = TestSshServer.start("runner", "pw", dir.resolve("sftp"), dir.resolve("hostkey"));
        job = AgentDirectory.from(Map.of("SANDBOXER_AGENT_DIR", dir.resolve("agents").toString())).create(SANDBOX);
    }

    @AfterEach
    void stop() throws Exception {
        guest.close();
    }

    @Test
    void theAgentDeletesItsSandboxRemovesItsDirectoryAndStops() throws Exception {
        CompletableFuture<String> serving = serve(agent(() -> {
            deletions.add(SANDBOX);
            return true;
        }));
        assertEquals(new AgentClient.Deletion.Deleted(true), AgentClient.delete(job.socket(), SANDBOX));
        assertEquals(List.of(SANDBOX), deletions);
        assertFalse(Files.exists(job.dir()), "the job's directory was gone when the agent answered");
        assertEquals("cleanup deletes the sandbox", serving.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aSandboxThatWasGoneIsSaid() throws Exception {
        CompletableFuture<String> serving = serve(agent(() -> false));
        assertEquals(new AgentClient.Deletion.Deleted(false), AgentClient.delete(job.socket(), SANDBOX));
        serving.get(10, TimeUnit.SECONDS);
    }

    @Test
    void theBackendsFailureIsAnsweredWithItsReasonAndTheAgentStillStops() throws Exception {
        CompletableFuture<String> serving = serve(agent(() -> {
            throw new SandboxException("libvirt: cannot recv data: Connection reset by peer", true);
        }));
        assertEquals(new AgentClient.Deletion.Failed("libvirt: cannot recv data: Connection reset by peer"), AgentClient.delete(job.socket(), SANDBOX));
        assertEquals("cleanup deletes the sandbox", serving.get(10, TimeUnit.SECONDS));
        assertFalse(Files.exists(job.socket()), "no socket left to answer");
        assertInstanceOf(AgentClient.Deletion.NoAgent.class, AgentClient.delete(job.socket(), SANDBOX), "cleanup's own path finds no agent");
    }

    @Test
    void anotherSandboxIsNeverDeletedAndTheAgentGoesOnServing() throws Exception {
        ConnectionAgent agent = agent(() -> {
            deletions.add(SANDBOX);
            return true;
        });
        CompletableFuture<String> serving = serve(agent);
        AgentClient.Deletion other = AgentClient.delete(job.socket(), "sandboxer-j79-0123456789ab");
        assertEquals(new AgentClient.Deletion.Failed("this agent serves " + SANDBOX + ", not sandboxer-j79-0123456789ab"), other);
        assertEquals(List.of(), deletions);
        try (AgentClient client = AgentClient.connect(job.socket())) {
            assertEquals(new AgentClient.Outcome.Exited(0), client.run("build_script", "true\n".getBytes(StandardCharsets.UTF_8),
                    new ByteArrayOutputStream(), new ByteArrayOutputStream()), "still serving its own job");
        }
        assertTrue(AgentClient.stop(job.socket()));
        assertEquals("cleanup asked", serving.get(10, TimeUnit.SECONDS));
        assertTrue(Files.exists(job.dir()), "STOP alone leaves the directory to cleanup");
    }

    /** A hung agent (here: a deletion that never returns) must not hang cleanup: it counts as failed after the limit. */
    @Test
    void anAgentThatDoesNotAnswerInTimeCountsAsFailed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> serving = serve(agent(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        }));
        try {
            assertEquals(new AgentClient.Deletion.Failed("the connection agent did not answer within 300 ms"),
                    AgentClient.delete(job.socket(), SANDBOX, Duration.ofMillis(300)));
        } finally {
            release.countDown();
        }
        assertEquals("cleanup deletes the sandbox", serving.get(10, TimeUnit.SECONDS));
    }

    private ConnectionAgent agent(ConnectionAgent.SandboxDeletion deletion) throws Exception {
        SshSession ssh = SshSession.connect(new SshTarget("127.0.0.1", guest.port(), "runner", new Credential.Password(Secret.of("pw")),
                HostKeyPolicy.insecure("a test server")), SshOptions.DEFAULT.withConnectTimeout(Duration.ofSeconds(10)));
        ConnectionAgent agent = new ConnectionAgent(job, deletion, ssh, OsFamily.LINUX, Duration.ofHours(1), Clock.systemUTC());
        agent.bind();
        return agent;
    }

    private static CompletableFuture<String> serve(ConnectionAgent agent) {
        return CompletableFuture.supplyAsync(agent::serve);
    }
}
