package io.sandboxer.core.bootstrap;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One PEM text with one or more X.509 CA certificates, and the name it came from (a file name), which
 * becomes the guest file name. The PEM is checked when the object is made, so a bad file fails before any
 * sandbox exists.
 */
public record CaCertificate(String name, String pem, int certificateCount) {
    private static final Pattern SAFE_NAME = Pattern.compile("[^A-Za-z0-9._-]");
    private static final String BEGIN = "-----BEGIN CERTIFICATE-----";

    public CaCertificate {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pem, "pem");
    }

    /** Parses {@code pem} (several certificates allowed); {@code source} names the input in errors. */
    public static CaCertificate parse(String source, String pem) {
        if (!pem.contains(BEGIN)) {
            throw new IllegalArgumentException("CA certificate " + source + " is not PEM: expected " + BEGIN + " blocks");
        }
        try {
            var certificates = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            long blocks = pem.lines().filter(BEGIN::equals).count();
            if (certificates.isEmpty() || certificates.size() != blocks) {
                throw new IllegalArgumentException("CA certificate " + source + " has " + blocks + " PEM block(s) but only "
                        + certificates.size() + " decode as X.509 certificates");
            }
            String normalized = pem.endsWith("\n") ? pem : pem + "\n";
            return new CaCertificate(fileNameFor(source), normalized, certificates.size());
        } catch (CertificateException e) {
            throw new IllegalArgumentException("CA certificate " + source + " is not a valid PEM X.509 certificate: " + e.getMessage(), e);
        }
    }

    /** A guest file name derived from the source: letters, digits, '.', '_' and '-' only, ending in .pem. */
    static String fileNameFor(String source) {
        String base = source.substring(source.lastIndexOf('/') + 1);
        if (base.endsWith(".pem") || base.endsWith(".crt")) {
            base = base.substring(0, base.length() - 4);
        }
        base = SAFE_NAME.matcher(base).replaceAll("_");
        if (base.isEmpty() || base.startsWith(".")) {
            base = "ca" + base;
        }
        return base + ".pem";
    }
}
