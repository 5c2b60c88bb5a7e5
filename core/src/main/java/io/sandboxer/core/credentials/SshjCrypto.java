package io.sandboxer.core.credentials;

import net.schmizz.sshj.common.SecurityUtils;

/**
 * sshj's cryptography comes from the JDK's own providers. Left alone, sshj registers BouncyCastle as a JCE provider
 * the first time it needs any algorithm: ~500 classes loaded and verified at every stage's start (a third of a
 * {@code run} stage's classes), for nothing the JDK lacks here (Ed25519 keys are sshj's own code, X25519, ECDH,
 * AES-GCM and ChaCha20 are the JDK's). Every class of this package and of {@code core.ssh} that reaches sshj calls
 * {@link #configure()} first. A provider an embedding program registered with sshj itself is kept.
 */
public final class SshjCrypto {
    static {
        // Keeps a provider an embedding program gave sshj (SecurityUtils.setSecurityProvider); only the automatic
        // registration is off. Not isBouncyCastleRegistered(): asking registers it.
        SecurityUtils.setRegisterBouncyCastle(false);
    }

    private SshjCrypto() {
    }

    /** Makes sure the choice above is made; costs nothing after the first call. */
    public static void configure() {
        // the static initializer does the work, once
    }
}
