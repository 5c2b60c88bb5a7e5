package io.sandboxer.adapter.fleeting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** go-plugin AutoMTLS: the host's certificate in PLUGIN_CLIENT_CERT, ours in handshake field 6, client auth required. */
class AutoMtlsTest {

    @Test
    void aHostWithItsCertificateTalksTlsAndOneWithoutIsRefused() throws Exception {
        HostCertificate host = hostCertificate();
        String hostPem = pem(host.certificate());
        InstanceGroupService service = new InstanceGroupService("in-memory", c -> info -> true, BuildInfo.load("t"));
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        try (GoPluginServer server = GoPluginServer.start(Handshake.fromEnvironment(Map.of("PLUGIN_CLIENT_CERT", hostPem, "PLUGIN_MIN_PORT", "20000",
                "PLUGIN_MAX_PORT", "25000")), service, new PrintStream(stdout, true, StandardCharsets.UTF_8), service::closeQuietly)) {
            String[] fields = stdout.toString(StandardCharsets.UTF_8).strip().split("\\|");
            assertEquals(6, fields.length);
            assertTrue(fields[5].length() > 50 && !fields[5].endsWith("="), "base64 DER without padding: " + fields[5]);
            X509Certificate serverCert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(fields[5])));
            assertTrue(serverCert.getSubjectX500Principal().getName().contains("CN=localhost"));

            SslContext withCert = GrpcSslContexts.forClient().trustManager(serverCert).keyManager(host.key(), host.certificate()).build();
            var channel = NettyChannelBuilder.forTarget(fields[3]).overrideAuthority("localhost").sslContext(withCert).build();
            try (PluginClient client = new PluginClient(channel)) {
                assertEquals(HealthCheckResponse.ServingStatus.SERVING, client.health("plugin"));
            }

            SslContext withoutCert = GrpcSslContexts.forClient().trustManager(serverCert).build();
            var anonymous = NettyChannelBuilder.forTarget(fields[3]).overrideAuthority("localhost").sslContext(withoutCert).build();
            try (PluginClient client = new PluginClient(anonymous)) {
                assertThrows(StatusRuntimeException.class, () -> client.health("plugin"));
            }
            var plaintext = NettyChannelBuilder.forTarget(fields[3]).usePlaintext().build();
            try (PluginClient client = new PluginClient(plaintext)) {
                assertThrows(StatusRuntimeException.class, () -> client.health("plugin"));
            }
        }
    }

    @Test
    void multiplexingIsRefusedClearly() {
        var e = assertThrows(PluginStartException.class, () -> Handshake.fromEnvironment(Map.of("PLUGIN_MULTIPLEX_GRPC", "true")));
        assertTrue(e.getMessage().contains("PLUGIN_MULTIPLEX_GRPC"), e.getMessage());
    }

    @Test
    void theAppVersionComesFromTheHostsList() {
        assertEquals(0, Handshake.fromEnvironment(Map.of("PLUGIN_PROTOCOL_VERSIONS", "3,0,2")).appVersion());
        assertEquals(0, Handshake.fromEnvironment(Map.of()).appVersion(), "fleeting's version when the host names none");
        var e = assertThrows(PluginStartException.class, () -> Handshake.fromEnvironment(Map.of("PLUGIN_PROTOCOL_VERSIONS", "7,8")));
        assertTrue(e.getMessage().contains("[7,8]"), e.getMessage());
    }

    record HostCertificate(PrivateKey key, X509Certificate certificate) {
    }

    /** A certificate shaped like go-plugin's host certificate: ECDSA P-521, self-signed. */
    private static HostCertificate hostCertificate() throws Exception {
        var generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp521r1")); // go-plugin's host key is P-521
        var pair = generator.generateKeyPair();
        var name = new X500Name("CN=host");
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                new Date(System.currentTimeMillis() - 60_000), new Date(System.currentTimeMillis() + 86_400_000L), name, pair.getPublic());
        var cert = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA512withECDSA").build(pair.getPrivate())));
        return new HostCertificate(pair.getPrivate(), cert);
    }

    private static String pem(X509Certificate cert) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(cert);
        }
        return out.toString();
    }
}
