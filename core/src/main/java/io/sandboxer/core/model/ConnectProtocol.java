package io.sandboxer.core.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** The connector protocol GitLab Runner uses to reach an instance. */
public enum ConnectProtocol {
    SSH("ssh", 22),
    WINRM("winrm", 5985);

    private final String jsonName;
    private final int defaultPort;

    ConnectProtocol(String jsonName, int defaultPort) {
        this.jsonName = jsonName;
        this.defaultPort = defaultPort;
    }

    @JsonValue
    public String jsonName() {
        return jsonName;
    }

    public int defaultPort() {
        return defaultPort;
    }
}
