package io.sandboxer.core.bootstrap;

import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.credentials.SshPublicKey;
import java.util.Objects;

/** A host key the bootstrap installs in the guest, so clients can pin its public half. */
public record SshHostKey(SshPrivateKey privateKey) {
    public SshHostKey {
        Objects.requireNonNull(privateKey, "privateKey");
    }

    /** {@code ed25519}, {@code rsa} or {@code ecdsa}: the name in {@code /etc/ssh/ssh_host_<type>_key}. */
    public String shortType() {
        String type = privateKey.publicKey().type();
        if (type.equals("ssh-ed25519")) {
            return "ed25519";
        }
        if (type.equals("ssh-rsa")) {
            return "rsa";
        }
        if (type.startsWith("ecdsa-")) {
            return "ecdsa";
        }
        throw new IllegalArgumentException("unsupported host key type " + type);
    }

    public SshPublicKey publicKey() {
        return privateKey.publicKey();
    }

    public Secret privateText() {
        return privateKey.text();
    }
}
