package io.sandboxer.core.access;

import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.model.Credential;
import java.util.Objects;

/** How the login user authenticates: a credential the caller gives, or one {@link GuestAccess} makes. */
public sealed interface CredentialChoice {

    /** A key or password the caller owns (the runner's {@code key_path} or password, {@code --ssh-private-key-file}, ...). */
    record Given(Credential credential) implements CredentialChoice {
        public Given {
            Objects.requireNonNull(credential, "credential");
        }
    }

    /** A fresh credential per sandbox: an Ed25519 key for Linux guests, a random password for Windows guests. */
    record Generated() implements CredentialChoice {
    }

    static CredentialChoice key(SshPrivateKey key) {
        return new Given(new Credential.PrivateKey(key));
    }

    static CredentialChoice password(Secret password) {
        return new Given(new Credential.Password(password));
    }

    static CredentialChoice generated() {
        return new Generated();
    }
}
