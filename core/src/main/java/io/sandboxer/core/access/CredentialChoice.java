package io.sandboxer.core.access;

import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.credentials.SshPrivateKey;
import java.util.Objects;

/** How the login user authenticates: a key or a password the caller gives, or one {@link GuestAccess} makes. */
public sealed interface CredentialChoice {

    /** A private key the caller owns (the runner's {@code key_path}, {@code --ssh-private-key-file}). */
    record GivenKey(SshPrivateKey key) implements CredentialChoice {
        public GivenKey {
            Objects.requireNonNull(key, "key");
        }
    }

    /** A password the caller owns (the runner's connector password, {@code --ssh-password}). */
    record GivenPassword(Secret password) implements CredentialChoice {
        public GivenPassword {
            Objects.requireNonNull(password, "password");
        }
    }

    /** A fresh credential per sandbox: an Ed25519 key for Linux guests, a random password for Windows guests. */
    record Generated() implements CredentialChoice {
    }

    static CredentialChoice generated() {
        return new Generated();
    }
}
