package io.sandboxer.core.credentials;

import java.security.SecureRandom;

/**
 * Random passwords from {@link SecureRandom}. Letters and digits only: the password passes through
 * YAML, JSON, PowerShell and shells on its way into a guest, and none of them needs escaping then.
 */
public final class RandomPasswords {
    public static final int DEFAULT_LENGTH = 32;
    private static final char[] ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();
    private final SecureRandom random;

    public RandomPasswords() {
        this(new SecureRandom());
    }

    public RandomPasswords(SecureRandom random) {
        this.random = random;
    }

    public Secret next() {
        return next(DEFAULT_LENGTH);
    }

    public Secret next(int length) {
        if (length < 12) {
            throw new IllegalArgumentException("password length " + length + " is too short: at least 12");
        }
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        // Windows' default complexity policy wants upper, lower and digit: force one of each.
        chars[0] = "ABCDEFGHJKLMNPQRSTUVWXYZ".charAt(random.nextInt(24));
        chars[1] = "abcdefghijkmnopqrstuvwxyz".charAt(random.nextInt(25));
        chars[2] = "23456789".charAt(random.nextInt(8));
        return Secret.of(new String(chars));
    }
}
