package io.sandboxer.core.bootstrap;

import io.sandboxer.core.credentials.Secret;
import java.util.Objects;

/** A guest user's password: a crypt hash for Linux guests, the plain text where the guest needs it (Cloudbase-Init on Windows). */
public sealed interface UserPassword {

    /** A crypt(3) hash ({@code $6$…}, {@code $2a$…}) for the shadow file. */
    record Hashed(Secret cryptHash) implements UserPassword {
        public Hashed {
            Objects.requireNonNull(cryptHash, "cryptHash");
            if (!cryptHash.reveal().startsWith("$")) {
                throw new IllegalArgumentException("a password hash must be in crypt(3) format ($6$..., $2a$...)");
            }
        }
    }

    /** The password itself; only Windows guests get this (Cloudbase-Init sets it through the Windows API). */
    record Plain(Secret password) implements UserPassword {
        public Plain {
            Objects.requireNonNull(password, "password");
        }
    }
}
