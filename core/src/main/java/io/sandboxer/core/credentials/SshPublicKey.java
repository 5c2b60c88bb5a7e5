package io.sandboxer.core.credentials;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;

/**
 * An SSH public key in wire form: what goes into {@code authorized_keys}, and what a client pins as a host key.
 */
public record SshPublicKey(String type, byte[] blob) {
    public SshPublicKey {
        Objects.requireNonNull(type, "type");
        blob = blob.clone();
    }

    public static SshPublicKey of(PublicKey key) {
        String type = KeyType.fromKey(key).toString();
        if ("unknown".equals(type)) {
            throw new CredentialException("unsupported public key algorithm " + key.getAlgorithm());
        }
        byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
        return new SshPublicKey(type, blob);
    }

    /** Parses one {@code authorized_keys} / {@code .pub} line: {@code <type> <base64> [comment]}. */
    public static SshPublicKey parse(String line) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length < 2) {
            throw new CredentialException("not an SSH public key line (expected \"<type> <base64> [comment]\")");
        }
        try {
            byte[] blob = Base64.getDecoder().decode(parts[1]);
            String embeddedType = new Buffer.PlainBuffer(blob).readString();
            if (!embeddedType.equals(parts[0])) {
                throw new CredentialException("SSH public key says \"" + parts[0] + "\" but holds a " + embeddedType + " key");
            }
            return new SshPublicKey(parts[0], blob);
        } catch (IllegalArgumentException | Buffer.BufferException e) {
            throw new CredentialException("SSH public key of type " + parts[0] + " has a malformed key body", e);
        }
    }

    public PublicKey toPublicKey() {
        try {
            return new Buffer.PlainBuffer(blob).readPublicKey();
        } catch (Buffer.BufferException e) {
            throw new CredentialException("cannot decode " + type + " public key", e);
        }
    }

    /** The {@code authorized_keys} line, without a comment. */
    public String authorizedKeysLine() {
        return type + " " + Base64.getEncoder().encodeToString(blob);
    }

    public String authorizedKeysLine(String comment) {
        return comment == null || comment.isBlank() ? authorizedKeysLine() : authorizedKeysLine() + " " + comment;
    }

    /** OpenSSH's fingerprint notation, {@code SHA256:<base64 without padding>}. */
    public String fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean matches(PublicKey key) {
        return MessageDigest.isEqual(blob, SshPublicKey.of(key).blob);
    }

    @Override
    public byte[] blob() {
        return blob.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SshPublicKey k && k.type.equals(type) && MessageDigest.isEqual(k.blob, blob);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(blob);
    }

    @Override
    public String toString() {
        return type + " " + fingerprint();
    }
}
