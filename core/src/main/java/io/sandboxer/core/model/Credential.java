package io.sandboxer.core.model;

import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.credentials.SshPrivateKey;
import java.util.Objects;

/** How to log in to a sandbox. */
public sealed interface Credential {

    record PrivateKey(SshPrivateKey key) implements Credential {
        public PrivateKey {
            Objects.requireNonNull(key, "key");
        }
    }

    record Password(Secret password) implements Credential {
        public Password {
            Objects.requireNonNull(password, "password");
        }
    }
}
