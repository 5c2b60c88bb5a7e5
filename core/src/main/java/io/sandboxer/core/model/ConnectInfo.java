package io.sandboxer.core.model;

import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.SshPublicKey;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach a sandbox: the address to dial (external when the caller is outside the sandbox network,
 * else internal), the protocol and port, the user and credential, and the host key when the bootstrap
 * injected it (so the client can pin it instead of trusting on first use).
 */
public record ConnectInfo(
        String id,
        OsFamily os,
        Architecture architecture,
        ConnectProtocol protocol,
        String internalAddress,
        String externalAddress,
        int port,
        String user,
        Credential credential,
        SshPublicKey hostKey) {

    public ConnectInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(credential, "credential");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
    }

    /** The address to dial: the external one when known, else the internal one. */
    public String address() {
        return externalAddress != null ? externalAddress : internalAddress;
    }

    public Optional<SshPublicKey> pinnedHostKey() {
        return Optional.ofNullable(hostKey);
    }

    public ConnectInfo withCredential(Credential replacement) {
        return new ConnectInfo(id, os, architecture, protocol, internalAddress, externalAddress, port, user, replacement, hostKey);
    }

    public ConnectInfo withAddresses(String internal, String external, int newPort) {
        return new ConnectInfo(id, os, architecture, protocol, internal, external, newPort, user, credential, hostKey);
    }
}
