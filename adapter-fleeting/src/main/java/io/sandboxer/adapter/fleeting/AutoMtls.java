package io.sandboxer.adapter.fleeting;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import javax.net.ssl.SSLException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * go-plugin's AutoMTLS, plugin side: a fresh self-signed certificate shaped like go-plugin's own (CN and SAN
 * localhost, CA, server and client auth), TLS with the client certificate required and the host's certificate
 * from PLUGIN_CLIENT_CERT as the only trust anchor, and our certificate for field 6 of the handshake.
 */
final class AutoMtls {
    private final KeyPair keyPair;
    private final X509Certificate certificate;
    private final Collection<X509Certificate> trustedHost;

    private AutoMtls(KeyPair keyPair, X509Certificate certificate, Collection<X509Certificate> trustedHost) {
        this.keyPair = keyPair;
        this.certificate = certificate;
        this.trustedHost = trustedHost;
    }

    static AutoMtls forHostCertificate(String hostCertificatePem) {
        try {
            @SuppressWarnings("unchecked")
            Collection<X509Certificate> host = (Collection<X509Certificate>) CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(hostCertificatePem.getBytes(StandardCharsets.US_ASCII)));
            if (host.isEmpty()) {
                throw new PluginStartException("PLUGIN_CLIENT_CERT holds no certificate");
            }
            KeyPair pair = newKeyPair();
            return new AutoMtls(pair, selfSigned(pair), host);
        } catch (CertificateException e) {
            throw new PluginStartException("PLUGIN_CLIENT_CERT is not a PEM certificate: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new PluginStartException("cannot make the plugin's TLS certificate: " + e.getMessage(), e);
        }
    }

    /** A P-256 key pair, as go-plugin's certificates carry. */
    static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return generator.generateKeyPair();
    }

    /** A certificate shaped like go-plugin's (for this plugin's side, and for the AOT training's stand-in host). */
    static X509Certificate selfSigned(KeyPair pair) throws GeneralSecurityException {
        try {
            X500Name name = new X500Name("CN=localhost,O=sandboxer");
            Instant now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(Duration.ofDays(3650))), name, pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement | KeyUsage.keyCertSign));
            builder.addExtension(Extension.extendedKeyUsage, false,
                    new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, "localhost")));
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException | IOException e) {
            throw new GeneralSecurityException(e);
        }
    }

    SslContext serverContext() {
        try {
            // The JDK's TLS, not the bundled BoringSSL: go-plugin's host certificate is ECDSA P-521, whose
            // signatures BoringSSL does not offer, so the handshake would fail.
            return GrpcSslContexts.configure(SslContextBuilder.forServer(keyPair.getPrivate(), certificate), SslProvider.JDK)
                    .trustManager(trustedHost.toArray(X509Certificate[]::new))
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
        } catch (SSLException e) {
            throw new PluginStartException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** Field 6 of the handshake: the DER certificate, standard base64 without padding. */
    String handshakeCertificate() {
        try {
            return Base64.getEncoder().withoutPadding().encodeToString(certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new PluginStartException("cannot encode the plugin certificate", e);
        }
    }

    X509Certificate certificate() {
        return certificate;
    }
}
