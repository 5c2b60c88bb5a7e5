package io.sandboxer.core.model;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.SshPublicKey;
import java.util.Objects;

/**
 * How clients will log in to a sandbox: user, credential, protocol and port. Given in the spec so the backend
 * can keep the credential with the sandbox (a 0600 state file, a Kubernetes Secret) and hand it back in
 * {@link ConnectInfo}, in a later process too. {@code hostKey} is the guest's host key when the bootstrap installs
 * one (null: not known in advance), so every connection can pin it.
 */
public record SandboxAccess(OsFamily os, ConnectProtocol protocol, int port, String user, Credential credential, SshPublicKey hostKey) {
    public SandboxAccess {
        os = Objects.requireNonNullElse(os, OsFamily.LINUX);
        protocol = Objects.requireNonNullElse(protocol, ConnectProtocol.SSH);
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(credential, "credential");
        if (port == 0) {
            port = protocol.defaultPort();
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
    }

    public SandboxAccess(OsFamily os, ConnectProtocol protocol, int port, String user, Credential credential) {
        this(os, protocol, port, user, credential, null);
    }

    public static SandboxAccess ssh(String user, Credential credential) {
        return new SandboxAccess(OsFamily.LINUX, ConnectProtocol.SSH, 22, user, credential);
    }
}
