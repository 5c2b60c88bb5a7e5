package io.sandboxer.core.testing;

import io.sandboxer.core.credentials.SshPublicKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.server.shell.ProcessShellFactory;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * A real SSH server (Apache MINA SSHD) on a loopback port that runs commands as real local processes
 * through {@code /bin/sh -c} and serves SFTP rooted in a temporary directory. Accepts one user with a
 * password and/or authorized public keys.
 */
public final class TestSshServer implements AutoCloseable {
    private final SshServer server;
    private final Set<PublicKey> authorizedKeys = ConcurrentHashMap.newKeySet();

    private TestSshServer(SshServer server) {
        this.server = server;
    }

    public static TestSshServer start(String user, String password, Path sftpRoot, Path hostKeyFile) throws IOException {
        SimpleGeneratorHostKeyProvider keys = new SimpleGeneratorHostKeyProvider(hostKeyFile);
        keys.setAlgorithm("EC");
        return start(user, password, sftpRoot, keys, 0);
    }

    /** A server presenting {@code hostKey} on {@code port} (0 = any): a guest whose host key the bootstrap injected. */
    public static TestSshServer start(String user, String password, Path sftpRoot, KeyPair hostKey, int port) throws IOException {
        return start(user, password, sftpRoot, KeyPairProvider.wrap(hostKey), port);
    }

    private static TestSshServer start(String user, String password, Path sftpRoot, KeyPairProvider keys,
            int port) throws IOException {
        SshServer server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(port);
        server.setKeyPairProvider(keys);
        TestSshServer wrapper = new TestSshServer(server);
        server.setPasswordAuthenticator((u, p, session) -> user.equals(u) && password != null && password.equals(p));
        server.setPublickeyAuthenticator((u, key, session) -> user.equals(u)
                && wrapper.authorizedKeys.stream().anyMatch(k -> SshPublicKey.of(k).equals(SshPublicKey.of(key))));
        // Each exec request runs as "/bin/sh -c <command>" in the home directory (the SFTP root), exactly like OpenSSH's
        // sshd does, with the guest's tools first on PATH (this host may have cloud-init installed but never booted with it).
        String guest = "cd '" + sftpRoot.toAbsolutePath() + "' && PATH=" + GuestTools.BIN + ":\"$PATH\" && export PATH && ";
        server.setCommandFactory((channel, command) -> new ProcessShellFactory(command, "/bin/sh", "-c", guest + command) {
            @Override
            protected List<String> resolveEffectiveCommand(ChannelSession session, String raw, List<String> elements) {
                return elements;
            }
        }.createShell(channel));
        server.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        server.setFileSystemFactory(new VirtualFileSystemFactory(sftpRoot));
        server.start();
        return wrapper;
    }

    public void authorize(PublicKey key) {
        authorizedKeys.add(key);
    }

    public int port() {
        return server.getPort();
    }

    /** The host's public key, as a client would pin it. */
    public SshPublicKey hostKey() {
        try {
            KeyPair pair = server.getKeyPairProvider().loadKeys(null).iterator().next();
            return SshPublicKey.of(pair.getPublic());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }

    /**
     * What the emulated guest has that this host may not: a {@code cloud-init} whose bootstrap has finished, and a
     * {@code pwsh} stand-in that runs its {@code -File} script with sh (the transport is under test, not PowerShell).
     */
    private static final class GuestTools {
        static final Path BIN = create();

        private static Path create() {
            try {
                Path bin = TempTrees.create("guest-bin");
                tool(bin, "cloud-init", "echo 'status: done'\n");
                tool(bin, "pwsh", "while [ $# -gt 0 ]; do [ \"$1\" = -File ] && exec sh \"$2\"; shift; done\n"
                        + "echo 'pwsh stand-in: no -File given' >&2; exit 64\n");
                return bin;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void tool(Path bin, String name, String body) throws IOException {
            Path tool = bin.resolve(name);
            Files.writeString(tool, "#!/bin/sh\n" + body);
            tool.toFile().setExecutable(true);
        }
    }
}
