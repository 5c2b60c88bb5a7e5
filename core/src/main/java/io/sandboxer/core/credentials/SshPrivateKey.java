package io.sandboxer.core.credentials;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Objects;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.common.Factory;
import net.schmizz.sshj.userauth.keyprovider.FileKeyProvider;
import net.schmizz.sshj.userauth.keyprovider.KeyFormat;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.userauth.keyprovider.KeyProviderUtil;
import net.schmizz.sshj.userauth.password.PasswordUtils;

/**
 * A private SSH key read from OpenSSH ({@code BEGIN OPENSSH PRIVATE KEY}) or PEM (PKCS#1, SEC1, PKCS#8)
 * text: RSA, ECDSA or Ed25519. The text stays wrapped in a {@link Secret}; {@link #toString()} shows only the
 * key type and the public key's fingerprint.
 */
public final class SshPrivateKey {
    private final Secret text;
    private final String source;
    private final KeyPair keyPair;
    private final SshPublicKey publicKey;

    private SshPrivateKey(Secret text, String source, KeyPair keyPair) {
        this.text = text;
        this.source = source;
        this.keyPair = keyPair;
        this.publicKey = SshPublicKey.of(keyPair.getPublic());
    }

    /** Reads a key file; {@code passphrase} may be null for an unencrypted key. */
    public static SshPrivateKey load(Path file, Secret passphrase) {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CredentialException("cannot read SSH private key file " + file + ": " + e.getMessage(), e);
        }
        return parse(Secret.of(content), passphrase, "SSH private key file " + file);
    }

    public static SshPrivateKey parse(Secret text, Secret passphrase, String source) {
        Objects.requireNonNull(text, "text");
        String pem = text.reveal();
        boolean encrypted = isEncrypted(pem);
        if (encrypted && (passphrase == null || passphrase.isEmpty())) {
            throw new CredentialException(source + " is encrypted with a passphrase, but no passphrase was given: "
                    + "supply one, or use an unencrypted key (ssh-keygen -p -N '' -f <file>)");
        }
        KeyFormat format;
        try {
            format = KeyProviderUtil.detectKeyFileFormat(new StringReader(pem), false);
        } catch (IOException e) {
            throw new CredentialException(source + " cannot be read: " + e.getMessage(), e);
        }
        if (format == KeyFormat.Unknown) {
            throw new CredentialException(source + " is not a private key in OpenSSH or PEM format "
                    + "(expected a line such as -----BEGIN OPENSSH PRIVATE KEY-----)");
        }
        FileKeyProvider provider = Factory.Named.Util.create(new DefaultConfig().getFileKeyProviderFactories(), format.toString());
        if (provider == null) {
            throw new CredentialException(source + " uses the unsupported key format " + format);
        }
        if (passphrase != null && !passphrase.isEmpty()) {
            provider.init(new StringReader(pem), PasswordUtils.createOneOff(passphrase.reveal().toCharArray()));
        } else {
            provider.init(new StringReader(pem));
        }
        try {
            KeyPair pair = new KeyPair(provider.getPublic(), provider.getPrivate());
            if (pair.getPublic() == null || pair.getPrivate() == null) {
                throw new CredentialException(source + " holds no usable key");
            }
            return new SshPrivateKey(text, source, pair);
        } catch (IOException | RuntimeException e) {
            if (e instanceof CredentialException ce) {
                throw ce;
            }
            String why = encrypted ? "the passphrase is wrong or the cipher is unsupported" : String.valueOf(e.getMessage());
            throw new CredentialException(source + " cannot be decoded: " + why, e);
        }
    }

    /** True for OpenSSH keys whose cipher is not "none" and for encrypted PEM keys. */
    static boolean isEncrypted(String pem) {
        if (pem.contains("ENCRYPTED")) { // "Proc-Type: 4,ENCRYPTED" and "BEGIN ENCRYPTED PRIVATE KEY"
            return true;
        }
        int begin = pem.indexOf("-----BEGIN OPENSSH PRIVATE KEY-----");
        int end = pem.indexOf("-----END OPENSSH PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            return false;
        }
        String body = pem.substring(begin + "-----BEGIN OPENSSH PRIVATE KEY-----".length(), end).replaceAll("\\s", "");
        try {
            byte[] bytes = Base64.getDecoder().decode(body);
            // "openssh-key-v1\0" then a uint32-length-prefixed cipher name
            int offset = "openssh-key-v1".length() + 1;
            int length = ((bytes[offset] & 0xff) << 24) | ((bytes[offset + 1] & 0xff) << 16)
                    | ((bytes[offset + 2] & 0xff) << 8) | (bytes[offset + 3] & 0xff);
            String cipher = new String(bytes, offset + 4, length, StandardCharsets.US_ASCII);
            return !"none".equals(cipher);
        } catch (RuntimeException e) {
            return false; // malformed: let the parser report it
        }
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    public SshPublicKey publicKey() {
        return publicKey;
    }

    /** The line to put into the guest's {@code authorized_keys}. */
    public String authorizedKeysLine() {
        return publicKey.authorizedKeysLine();
    }

    /** The key text, for writing a 0600 file or a Kubernetes Secret. */
    public Secret text() {
        return text;
    }

    /** An sshj key provider for authentication. */
    public KeyProvider keyProvider() {
        return new KeyProvider() {
            @Override
            public PrivateKey getPrivate() {
                return keyPair.getPrivate();
            }

            @Override
            public PublicKey getPublic() {
                return keyPair.getPublic();
            }

            @Override
            public net.schmizz.sshj.common.KeyType getType() {
                return net.schmizz.sshj.common.KeyType.fromKey(keyPair.getPublic());
            }
        };
    }

    @Override
    public String toString() {
        return "SshPrivateKey[" + publicKey + " from " + source + "]";
    }
}
