package io.sandboxer.core.credentials;

import java.io.IOException;
import java.io.StringWriter;
import java.security.SecureRandom;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.util.OpenSSHPrivateKeyUtil;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/** Makes fresh Ed25519 key pairs, written in the OpenSSH format every client and server reads. */
public final class SshKeyGenerator {
    private final SecureRandom random;

    public SshKeyGenerator() {
        this(new SecureRandom());
    }

    public SshKeyGenerator(SecureRandom random) {
        this.random = random;
    }

    public SshPrivateKey generateEd25519() {
        Ed25519KeyPairGenerator generator = new Ed25519KeyPairGenerator();
        generator.init(new Ed25519KeyGenerationParameters(random));
        AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        StringWriter out = new StringWriter();
        try (PemWriter pem = new PemWriter(out)) {
            byte[] encoded = OpenSSHPrivateKeyUtil.encodePrivateKey(pair.getPrivate());
            pem.writeObject(new PemObject("OPENSSH PRIVATE KEY", encoded));
        } catch (IOException e) {
            throw new CredentialException("cannot encode a generated Ed25519 key", e);
        }
        return SshPrivateKey.parse(Secret.of(out.toString()), null, "generated Ed25519 key");
    }
}
