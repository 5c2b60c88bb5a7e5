package io.sandboxer.core.credentials;

import com.fasterxml.jackson.annotation.JsonValue;

/** Crypt hash formats a guest's {@code /etc/shadow} accepts. */
public enum PasswordHashAlgorithm {
    /** {@code $6$}: accepted by every glibc and libxcrypt guest, the default. */
    SHA512_CRYPT("sha512"),
    /** {@code $2a$} bcrypt (jbcrypt): accepted by libxcrypt guests (Debian, Fedora). */
    BCRYPT("bcrypt");

    private final String jsonName;

    PasswordHashAlgorithm(String jsonName) {
        this.jsonName = jsonName;
    }

    @JsonValue
    public String jsonName() {
        return jsonName;
    }
}
