package io.sandboxer.core.ssh;

import io.sandboxer.core.credentials.SshPublicKey;
import io.sandboxer.core.model.Credential;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.sftp.SFTPClient;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.xfer.FileSystemFile;
import net.schmizz.sshj.xfer.InMemorySourceFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One authenticated SSH connection (sshj): run commands with output streamed to sinks as it arrives, upload
 * files, and {@link #cancel()} from any thread, which closes the channel and the connection so the remote
 * command loses its session and the blocked caller returns at once.
 */
public final class SshSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SshSession.class);

    private final SSHClient client;
    private final SshTarget target;
    private final AtomicBoolean cancelled = new AtomicBoolean();

    private SshSession(SSHClient client, SshTarget target) {
        this.client = client;
        this.target = target;
    }

    /**
     * One sshj configuration for every connection: building a {@link DefaultConfig} tries each cipher and creates a
     * SecureRandom, which made every readiness probe of a booting instance (the plugin runs ~25 a second with 100
     * of them) cost far more than its refused TCP connect. The configuration holds only factories and a thread-safe
     * random source, so connections share it.
     */
    private static final class SharedConfig {
        static final DefaultConfig CONFIG = create();

        private static DefaultConfig create() {
            DefaultConfig config = new DefaultConfig();
            config.setKeepAliveProvider(KeepAliveProvider.KEEP_ALIVE);
            return config;
        }
    }

    /** Connects, verifies the host key and authenticates. */
    public static SshSession connect(SshTarget target, SshOptions options) {
        SSHClient client = new SSHClient(SharedConfig.CONFIG);
        client.setConnectTimeout(Math.toIntExact(options.connectTimeout().toMillis()));
        client.getTransport().setTimeoutMs(Math.toIntExact(Math.max(options.connectTimeout().toMillis(), 1000)));
        client.addHostKeyVerifier(verifierFor(target));
        try {
            client.connect(target.host(), target.port());
            client.getConnection().getKeepAlive().setKeepAliveInterval(Math.toIntExact(Math.max(1, options.keepAlive().toSeconds())));
            authenticate(client, target);
            return new SshSession(client, target);
        } catch (IOException | RuntimeException e) {
            closeQuietly(client);
            throw classify(target, e);
        }
    }

    private static void authenticate(SSHClient client, SshTarget target) throws UserAuthException, TransportException {
        switch (target.credential()) {
            case Credential.PrivateKey key -> client.authPublickey(target.user(), key.key().keyProvider());
            case Credential.Password password -> client.authPassword(target.user(), password.password().reveal().toCharArray());
        }
    }

    private static HostKeyVerifier verifierFor(SshTarget target) {
        return switch (target.hostKeyPolicy()) {
            case HostKeyPolicy.Pinned pinned -> new HostKeyVerifier() {
                @Override
                public boolean verify(String host, int port, PublicKey key) {
                    boolean ok = pinned.keys().stream().anyMatch(k -> k.matches(key));
                    if (!ok) {
                        LOG.warn("host key of {} is {}, which is not the pinned key {}", target, SshPublicKey.of(key), pinned.keys());
                    }
                    return ok;
                }

                @Override
                public List<String> findExistingAlgorithms(String host, int port) {
                    // Steer negotiation to the pinned key types. RSA is left out: its signature algorithms
                    // (rsa-sha2-*) are not named after the key type.
                    return pinned.keys().stream().map(SshPublicKey::type).filter(t -> !t.equals("ssh-rsa")).distinct().toList();
                }
            };
            case HostKeyPolicy.Insecure insecure -> new HostKeyVerifier() {
                @Override
                public boolean verify(String host, int port, PublicKey key) {
                    LOG.warn("host key of {} ({}) accepted without verification: {}", target, SshPublicKey.of(key), insecure.reason());
                    return true;
                }

                @Override
                public List<String> findExistingAlgorithms(String host, int port) {
                    return List.of();
                }
            };
        };
    }

    public SshTarget target() {
        return target;
    }

    /** Runs {@code command} with no input. */
    public ExecResult exec(String command, OutputStream stdout, OutputStream stderr) {
        return exec(command, null, stdout, stderr);
    }

    /**
     * Runs {@code command}, feeding {@code stdin} (then EOF) when given, and copies the remote stdout and
     * stderr to the sinks chunk by chunk while the command runs; nothing is buffered beyond one chunk.
     * Sinks are flushed after every chunk and never closed.
     */
    public ExecResult exec(String command, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        return start(command).finish(stdin, stdout, stderr);
    }

    /**
     * Starts {@code command} now and leaves its input and sinks for later ({@link StartedCommand#finish}): the
     * channel, the server's session set-up and the command's own start are paid before its input is known.
     */
    public StartedCommand start(String command) {
        ensureNotCancelled();
        Session session = null;
        try {
            session = client.startSession();
            ensureNotCancelled();
            return new StartedCommand(this, session, session.exec(command));
        } catch (IOException | RuntimeException e) {
            if (session != null) {
                try {
                    session.close();
                } catch (IOException ignored) {
                    // the channel is gone either way
                }
            }
            throw commandFailure("starting a command", e);
        }
    }

    /** A command's failure in words: cancelled when this session was, else the channel's error. */
    SshException commandFailure(String action, Exception e) {
        if (cancelled.get()) {
            return new SshException(SshException.Kind.CANCELLED, "command on " + target + " was cancelled", e);
        }
        if (e instanceof SshException se) {
            return se;
        }
        return new SshException(SshException.Kind.CHANNEL, action + " on " + target + " failed: " + e.getMessage(), e);
    }

    /** Runs {@code command} and returns its stdout as text; for short commands only. */
    public String execForText(String command) {
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        ExecResult result = exec(command, out, err);
        if (!result.succeeded()) {
            throw new SshException(SshException.Kind.CHANNEL, "\"" + command + "\" on " + target + " exited with " + result.exitCode()
                    + ": " + err.toString(StandardCharsets.UTF_8).strip(), null);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Uploads {@code content} to {@code remotePath} over SFTP and sets its mode (octal, e.g. 0600). */
    public void upload(byte[] content, String remotePath, int mode) {
        String name = remotePath.substring(remotePath.lastIndexOf('/') + 1);
        upload(new InMemorySourceFile() {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public long getLength() {
                return content.length;
            }

            @Override
            public InputStream getInputStream() {
                return new ByteArrayInputStream(content);
            }
        }, remotePath, mode);
    }

    public void upload(Path localFile, String remotePath, int mode) {
        upload(new FileSystemFile(localFile.toFile()), remotePath, mode);
    }

    private void upload(net.schmizz.sshj.xfer.LocalSourceFile source, String remotePath, int mode) {
        ensureNotCancelled();
        try (SFTPClient sftp = client.newSFTPClient()) {
            sftp.put(source, remotePath);
            sftp.chmod(remotePath, mode);
        } catch (IOException e) {
            if (cancelled.get()) {
                throw new SshException(SshException.Kind.CANCELLED, "upload to " + target + " was cancelled", e);
            }
            throw new SshException(SshException.Kind.CHANNEL, "uploading " + remotePath + " to " + target + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Stops whatever runs: closes the channel and the connection. Safe from any thread, any number of times;
     * a blocked {@link #exec} then throws {@link SshException} of kind {@code CANCELLED}.
     */
    public void cancel() {
        if (cancelled.compareAndSet(false, true)) {
            LOG.debug("cancelling SSH session to {}", target);
            // No polite channel close first: sshj's waits for the server's CLOSE, and OpenSSH sends that only
            // once the command has ended, which a command without a terminal may never do (seen on a real guest:
            // a cancelled `sleep` held the caller for the whole transport timeout). Dropping the connection
            // ends every channel at once; the blocked exec sees its streams fail.
            closeQuietly(client);
        }
    }

    /** Whether the connection still stands: false once cancelled, closed, or lost (the keep-alive gave up on the peer). */
    public boolean isOpen() {
        return !cancelled.get() && client.isConnected() && client.isAuthenticated();
    }

    public boolean isCancelled() {
        return cancelled.get();
    }

    @Override
    public void close() {
        closeQuietly(client);
    }

    void ensureNotCancelled() {
        if (cancelled.get()) {
            throw new SshException(SshException.Kind.CANCELLED, "SSH session to " + target + " was cancelled", null);
        }
    }

    private static SshException classify(SshTarget target, Throwable e) {
        if (e instanceof SshException se) {
            return se;
        }
        if (e instanceof UserAuthException) {
            return new SshException(SshException.Kind.AUTH, "the server at " + target + " refused the "
                    + credentialKind(target) + ": " + e.getMessage(), e);
        }
        if (e instanceof TransportException te && te.getDisconnectReason() == net.schmizz.sshj.common.DisconnectReason.HOST_KEY_NOT_VERIFIABLE) {
            return new SshException(SshException.Kind.HOST_KEY, "the host key of " + target + " does not match the pinned key", e);
        }
        if (e instanceof ConnectException || e instanceof SocketTimeoutException || e instanceof NoRouteToHostException
                || e instanceof UnknownHostException) {
            return new SshException(SshException.Kind.CONNECT, "cannot connect to " + target + ": " + e.getMessage(), e);
        }
        return new SshException(SshException.Kind.CONNECT, "SSH handshake with " + target + " failed: " + e.getMessage(), e);
    }

    private static String credentialKind(SshTarget target) {
        return target.credential() instanceof Credential.PrivateKey ? "private key" : "password";
    }

    private static void closeQuietly(SSHClient client) {
        try {
            client.disconnect();
        } catch (IOException | RuntimeException ignored) {
            // nothing more to release
        }
    }
}
