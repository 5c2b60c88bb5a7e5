package io.sandboxer.core.testing;

import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.credentials.SshPrivateKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The test key files under {@code src/test/resources/keys} (made with ssh-keygen and openssl). */
public final class Keys {
    private Keys() {
    }

    public static Path path(String name) {
        return TestResources.path("/keys/" + name);
    }

    public static SshPrivateKey load(String name) {
        return SshPrivateKey.load(path(name), null);
    }

    public static String publicLine(String name) {
        try {
            return Files.readString(path(name + ".pub")).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Secret passphrase() {
        return Secret.of("sesame");
    }
}
