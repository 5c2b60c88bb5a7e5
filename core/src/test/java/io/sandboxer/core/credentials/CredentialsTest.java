package io.sandboxer.core.credentials;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.testing.Command;
import io.sandboxer.core.testing.Keys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CredentialsTest {

    /** Public keys derived in Java must equal what OpenSSH's ssh-keygen -y derived from the same file. */
    @ParameterizedTest
    @ValueSource(strings = {"openssh_ed25519", "openssh_rsa", "openssh_ecdsa", "pem_rsa_pkcs1", "pem_ec_sec1", "pem_rsa_pkcs8"})
    void loadsOpenSshAndPemKeysAndDerivesTheAuthorizedKeysLine(String name) {
        SshPrivateKey key = Keys.load(name);
        String expected = Keys.publicLine(name);
        String expectedWithoutComment = expected.split(" ")[0] + " " + expected.split(" ")[1];
        assertEquals(expectedWithoutComment, key.authorizedKeysLine());
        assertEquals(SshPublicKey.parse(expected), key.publicKey());
    }

    @Test
    void encryptedKeyWithoutPassphraseIsAClearError() {
        for (String name : new String[] {"openssh_ed25519_encrypted", "pem_rsa_encrypted"}) {
            CredentialException e = assertThrows(CredentialException.class, () -> Keys.load(name));
            assertTrue(e.getMessage().contains("is encrypted with a passphrase, but no passphrase was given"), e.getMessage());
            assertTrue(e.getMessage().contains(name), "names the file: " + e.getMessage());
        }
    }

    @Test
    void encryptedKeysOpenWithTheirPassphrase() {
        SshPrivateKey openssh = SshPrivateKey.load(Keys.path("openssh_ed25519_encrypted"), Keys.passphrase());
        assertEquals(Keys.publicLine("openssh_ed25519_encrypted").split(" ")[1], openssh.authorizedKeysLine().split(" ")[1]);
        SshPrivateKey pem = SshPrivateKey.load(Keys.path("pem_rsa_encrypted"), Keys.passphrase());
        assertEquals("ssh-rsa", pem.publicKey().type());
    }

    @Test
    void wrongPassphraseIsAClearError() {
        CredentialException e = assertThrows(CredentialException.class,
                () -> SshPrivateKey.load(Keys.path("openssh_ed25519_encrypted"), Secret.of("tr0ub4dor-xyz")));
        assertTrue(e.getMessage().contains("cannot be decoded"), e.getMessage());
        assertFalse(e.getMessage().contains("tr0ub4dor"), e.getMessage());
    }

    @Test
    void garbageAndMissingFilesAreClearErrors(@TempDir Path dir) throws IOException {
        CredentialException notAKey = assertThrows(CredentialException.class, () -> Keys.load("not_a_key"));
        assertTrue(notAKey.getMessage().contains("is not a private key in OpenSSH or PEM format"), notAKey.getMessage());
        Path missing = dir.resolve("nope");
        CredentialException gone = assertThrows(CredentialException.class, () -> SshPrivateKey.load(missing, null));
        assertTrue(gone.getMessage().contains("cannot read SSH private key file " + missing), gone.getMessage());
        Path truncated = dir.resolve("truncated");
        String full = Files.readString(Keys.path("openssh_ed25519"));
        Files.writeString(truncated, full.substring(0, full.length() / 2) + "\n-----END OPENSSH PRIVATE KEY-----\n");
        assertThrows(CredentialException.class, () -> SshPrivateKey.load(truncated, null));
    }

    @Test
    void keyToStringShowsTheFingerprintNotTheKey() {
        SshPrivateKey key = Keys.load("openssh_ed25519");
        assertTrue(key.toString().contains("SHA256:"), key.toString());
        assertFalse(key.toString().contains("PRIVATE"), key.toString());
        assertEquals("******", key.text().toString());
    }

    @Test
    void fingerprintMatchesSshKeygen() throws Exception {
        Command keygen = Command.run(null, "ssh-keygen", "-l", "-E", "sha256", "-f", Keys.path("openssh_ed25519.pub").toString());
        assertEquals(0, keygen.exitCode(), keygen.stderr());
        assertTrue(keygen.stdout().contains(Keys.load("openssh_ed25519").publicKey().fingerprint()), keygen.stdout());
    }

    @Test
    void generatedEd25519KeysSignAndAreReadByOpenSsh(@TempDir Path dir) throws Exception {
        SshPrivateKey key = new SshKeyGenerator().generateEd25519();
        assertEquals("ssh-ed25519", key.publicKey().type());
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(toJdk(key));
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        assertEquals(64, signature.length);

        Path file = dir.resolve("id");
        Files.writeString(file, key.text().reveal());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Command keygen = Command.run(null, "ssh-keygen", "-y", "-f", file.toString());
        assertEquals(0, keygen.exitCode(), keygen.stderr());
        String derived = keygen.stdout().trim();
        assertEquals(key.authorizedKeysLine(), derived.split(" ")[0] + " " + derived.split(" ")[1]);
        assertNotEquals(key.authorizedKeysLine(), new SshKeyGenerator().generateEd25519().authorizedKeysLine());
    }

    private static PrivateKey toJdk(SshPrivateKey key) throws Exception {
        PrivateKey k = key.keyPair().getPrivate();
        if ("Ed25519".equals(k.getAlgorithm()) || "EdDSA".equals(k.getAlgorithm()) && k.getFormat().equals("PKCS#8")) {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(k.getEncoded()));
        }
        return k;
    }

    @Test
    void randomPasswordsAreLongAlphanumericAndDistinct() {
        RandomPasswords passwords = new RandomPasswords();
        Set<String> seen = new HashSet<>();
        Pattern allowed = Pattern.compile("^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])[A-Za-z0-9]{32}$");
        for (int i = 0; i < 1000; i++) {
            String p = passwords.next().reveal();
            assertTrue(allowed.matcher(p).matches(), p);
            assertTrue(seen.add(p));
        }
        assertThrows(IllegalArgumentException.class, () -> passwords.next(8));
    }

    @Test
    void sha512CryptIsTheDefaultAndOpenSslAgrees() throws Exception {
        Secret password = Secret.of("pa$$ word:\"'#");
        String hash = new PasswordHasher().hash(password, PasswordHashAlgorithm.SHA512_CRYPT).reveal();
        assertTrue(hash.matches("^\\$6\\$[./0-9A-Za-z]{16}\\$[./0-9A-Za-z]{86}$"), hash);
        assertTrue(PasswordHasher.matches(password, Secret.of(hash)));
        assertFalse(PasswordHasher.matches(Secret.of("other"), Secret.of(hash)));
        String salt = hash.split("\\$")[2];
        Command openssl = Command.run(password.revealBytes(), "openssl", "passwd", "-6", "-salt", salt, "-stdin");
        assertEquals(0, openssl.exitCode(), openssl.stderr());
        assertEquals(hash, openssl.stdout().trim(), "an independent SHA-512 crypt (OpenSSL) computes the same hash");
    }

    @Test
    void bcryptHashesAreAcceptedByLibxcrypt() throws Exception {
        Secret password = Secret.of("correct horse battery staple");
        String hash = new PasswordHasher().hash(password, PasswordHashAlgorithm.BCRYPT).reveal();
        assertTrue(hash.startsWith("$2a$10$"), hash);
        assertTrue(PasswordHasher.matches(password, Secret.of(hash)));
        // libxcrypt, the crypt(3) of Debian and Fedora guests, through Python's crypt module.
        Command python = Command.run(password.revealBytes(), "python3", "-W", "ignore", "-c",
                "import crypt,sys; h=sys.argv[1]; print(crypt.crypt(sys.stdin.read(), h) == h)", hash);
        assertEquals(0, python.exitCode(), python.stderr());
        assertEquals("True", python.stdout().trim(), python.stderr());
    }
}
