package io.sandboxer.core.model;

import java.util.Objects;

/**
 * How clients will log in to a sandbox: user, credential, protocol and port. Given in the spec so the backend
 * can keep the credential with the sandbox (a 0600 state file, a Kubernetes Secret) and hand it back in
 * {@link ConnectInfo}, in a later process too.
 */
public record SandboxAccess(OsFamily os, ConnectProtocol protocol, int port, String user, Credential credential) {
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

    public static SandboxAccess ssh(String user, Credential credential) {
        return new SandboxAccess(OsFamily.LINUX, ConnectProtocol.SSH, 22, user, credential);
    }
}
