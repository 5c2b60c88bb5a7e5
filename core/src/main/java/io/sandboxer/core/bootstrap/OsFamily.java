package io.sandboxer.core.bootstrap;

import com.fasterxml.jackson.annotation.JsonValue;

/** What kind of guest runs in the sandbox: decides bootstrap format details, shell and connector. */
public enum OsFamily {
    LINUX("linux"),
    WINDOWS("windows");

    private final String jsonName;

    OsFamily(String jsonName) {
        this.jsonName = jsonName;
    }

    @JsonValue
    public String jsonName() {
        return jsonName;
    }
}
