package io.sandboxer.adapter.fleeting;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * go-plugin's handshake, from the environment the host sets: which app protocol version to answer, which port
 * range to bind, whether AutoMTLS is on. The line is {@code 1|<app version>|tcp|127.0.0.1:<port>|grpc|<cert>}.
 */
record Handshake(int appVersion, int minPort, int maxPort, Optional<String> clientCertificatePem) {
    static final int CORE_PROTOCOL_VERSION = 1;
    /**
     * The Fleeting app protocol versions this plugin speaks: fleeting's HandshakeConfig has ProtocolVersion 0 and its
     * only VersionedPlugins entry is 0 (internal/plugin/plugin.go at the version fleeting.proto names).
     */
    static final int[] SUPPORTED_APP_VERSIONS = {0};
    /** fleeting's magic cookie; go-plugin hosts set it, Go plugins refuse to serve without it. */
    static final String MAGIC_COOKIE_KEY = "FLEETING_INSTANCE_GROUP_PLUGIN";
    static final String MAGIC_COOKIE_VALUE = "4c6410b1-cb78-4962-8c76-ab936d0ea908";

    static Handshake fromEnvironment(Map<String, String> env) {
        if ("true".equalsIgnoreCase(env.getOrDefault("PLUGIN_MULTIPLEX_GRPC", ""))) {
            throw new PluginStartException("the host asks for PLUGIN_MULTIPLEX_GRPC (go-plugin gRPC broker multiplexing), "
                    + "which this plugin does not support");
        }
        int version = chooseVersion(env.getOrDefault("PLUGIN_PROTOCOL_VERSIONS", "0"));
        int min = parsePort(env, "PLUGIN_MIN_PORT", 10000);
        int max = parsePort(env, "PLUGIN_MAX_PORT", 25000);
        if (min > max) {
            throw new PluginStartException("PLUGIN_MIN_PORT " + min + " is above PLUGIN_MAX_PORT " + max);
        }
        String cert = env.get("PLUGIN_CLIENT_CERT");
        return new Handshake(version, min, max, cert == null || cert.isBlank() ? Optional.empty() : Optional.of(cert));
    }

    private static int chooseVersion(String offered) {
        int best = -1;
        for (String part : offered.split(",")) {
            try {
                int v = Integer.parseInt(part.trim());
                if (Arrays.stream(SUPPORTED_APP_VERSIONS).anyMatch(s -> s == v) && v > best) {
                    best = v;
                }
            } catch (NumberFormatException ignored) {
                // skip what is not a number
            }
        }
        if (best < 0) {
            throw new PluginStartException("the host offers app protocol versions [" + offered + "], this plugin speaks "
                    + Arrays.toString(SUPPORTED_APP_VERSIONS));
        }
        return best;
    }

    private static int parsePort(Map<String, String> env, String key, int fallback) {
        String value = env.get(key);
        if (value == null || value.isBlank() || "0".equals(value.trim())) {
            return fallback;
        }
        try {
            int port = Integer.parseInt(value.trim());
            if (port < 1 || port > 65535) {
                throw new PluginStartException(key + "=" + value + " is not a port number");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new PluginStartException(key + "=" + value + " is not a port number");
        }
    }

    /** The one line the host reads from stdout; {@code serverCertificate} is base64 DER without padding, or empty. */
    String line(int port, String serverCertificate) {
        return CORE_PROTOCOL_VERSION + "|" + appVersion + "|tcp|127.0.0.1:" + port + "|grpc|" + serverCertificate;
    }
}
