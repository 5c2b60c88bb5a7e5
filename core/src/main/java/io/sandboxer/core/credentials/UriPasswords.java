package io.sandboxer.core.credentials;

import java.util.regex.Pattern;

/**
 * Hides the password a URI may carry in its user part ({@code qemu+ssh://user:pw@host/system},
 * {@code https://user:pw@api:6443}) before the URI reaches a message or a log. Connections keep the real URI.
 */
public final class UriPasswords {
    private static final Pattern USER_PASSWORD = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://[^/@:?#]*):[^/@?#]*@");

    private UriPasswords() {
    }

    /** The URI with any password replaced by {@code <redacted>}; other text unchanged; null stays null. */
    public static String redact(String uri) {
        return uri == null ? null : USER_PASSWORD.matcher(uri).replaceFirst("$1:<redacted>@");
    }

    /** Whether the text starts with a URI that carries a password. */
    public static boolean carriesPassword(String text) {
        return text != null && USER_PASSWORD.matcher(text).find();
    }
}
