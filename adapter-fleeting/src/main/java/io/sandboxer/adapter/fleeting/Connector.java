package io.sandboxer.adapter.fleeting;

import io.sandboxer.adapter.fleeting.protocol.ConnectorConfig;
import io.sandboxer.core.access.CredentialChoice;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.credentials.SshKeyGenerator;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.model.ConnectProtocol;
import io.sandboxer.core.settings.SettingsException;
import java.nio.charset.StandardCharsets;

/**
 * The runner's {@code [runners.autoscaler.connector_config]} as the plugin uses it: who logs in, with what. When
 * the runner gives neither key nor password, the plugin makes an Ed25519 key for its instances and hands it
 * back in ConnectInfo.
 */
record Connector(ConnectorConfig wire, OsFamily os, ConnectProtocol protocol, int port, String username, SshPrivateKey key, Secret password,
                 boolean generatedKey) {

    static Connector from(ConnectorConfig c) {
        OsFamily os = "windows".equalsIgnoreCase(c.getOs()) ? OsFamily.WINDOWS : OsFamily.LINUX;
        ConnectProtocol protocol = c.getProtocol().startsWith("winrm") ? ConnectProtocol.WINRM : ConnectProtocol.SSH;
        long port = c.getProtocolPort() > 0 ? c.getProtocolPort() : protocol.defaultPort();
        if (port > 65535) {
            throw SettingsException.single("connector_config.protocol_port", Long.toString(port), "must be a port number, 1 to 65535");
        }
        if (c.getUsername().isBlank()) {
            throw SettingsException.single("connector_config.username", null, "is required: the user the runner logs in as (core on Flatcar)");
        }
        SshPrivateKey key = null;
        boolean generated = false;
        if (!c.getKey().isEmpty()) {
            try {
                key = SshPrivateKey.parse(Secret.of(c.getKey().toString(StandardCharsets.UTF_8)), null, "connector_config key_path");
            } catch (RuntimeException e) {
                throw SettingsException.single("connector_config.key_path", null, e.getMessage());
            }
        } else if (c.getPassword().isEmpty()) {
            key = new SshKeyGenerator().generateEd25519();
            generated = true;
        }
        Secret password = c.getPassword().isEmpty() ? null : Secret.of(c.getPassword());
        return new Connector(c, os, protocol, (int) port, c.getUsername(), key, password, generated);
    }

    /** The runner's key (or the plugin's own) wins over a password when both are given: the runner tries the key first. */
    CredentialChoice credentialChoice() {
        return key != null ? CredentialChoice.key(key) : CredentialChoice.password(password);
    }
}
