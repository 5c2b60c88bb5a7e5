package io.sandboxer.core.credentials;

import java.security.SecureRandom;
import org.apache.commons.codec.digest.Sha2Crypt;
import org.mindrot.jbcrypt.BCrypt;

/** Turns a plain password into a crypt(3) hash for a guest's shadow file. */
public final class PasswordHasher {
    private static final String SALT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int BCRYPT_COST = 10;
    private final SecureRandom random;

    public PasswordHasher() {
        this(new SecureRandom());
    }

    public PasswordHasher(SecureRandom random) {
        this.random = random;
    }

    public Secret hash(Secret password, PasswordHashAlgorithm algorithm) {
        return switch (algorithm) {
            case SHA512_CRYPT -> Secret.of(Sha2Crypt.sha512Crypt(password.revealBytes(), "$6$" + salt(16)));
            case BCRYPT -> Secret.of(BCrypt.hashpw(password.reveal(), BCrypt.gensalt(BCRYPT_COST, random)));
        };
    }

    /** Checks a password against a {@code $6$} or {@code $2a$}/{@code $2b$}/{@code $2y$} hash. */
    public static boolean matches(Secret password, Secret hash) {
        String h = hash.reveal();
        if (h.startsWith("$6$")) {
            return Sha2Crypt.sha512Crypt(password.revealBytes(), h).equals(h);
        }
        if (h.startsWith("$2")) {
            // jbcrypt knows only the $2a$ prefix; $2b$ and $2y$ hash identically for passwords under 72 bytes.
            String normalized = "$2a$" + h.substring(4);
            return BCrypt.checkpw(password.reveal(), normalized);
        }
        throw new CredentialException("unsupported password hash format (expected $6$ or $2a$/$2b$/$2y$)");
    }

    private String salt(int length) {
        StringBuilder salt = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            salt.append(SALT_ALPHABET.charAt(random.nextInt(SALT_ALPHABET.length())));
        }
        return salt.toString();
    }
}
