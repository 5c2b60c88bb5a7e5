package io.sandboxer.adapter.customexecutor;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * prepare's fixed credential: a password (on the command line or in a file) or a private key, at most one of them
 * (picocli refuses a second, as an exclusive group). Without any, every job gets a fresh key.
 */
final class FixedCredential {
    String password;
    @Option(names = "--ssh-password-file", paramLabel = "FILE", description = "A file (mode 0600) holding the fixed password; one trailing newline is ignored.")
    Path passwordFile;
    @Option(names = "--ssh-private-key-file", paramLabel = "FILE", description = "A fixed private key (OpenSSH or PEM) instead of a fresh one per job.")
    Path privateKeyFile;

    /** Warns as soon as it is read, so the warning is there even when the command line is refused as a whole. */
    @Option(names = "--ssh-password", paramLabel = "PASSWORD", description = "A fixed password (else a fresh key per job). "
            + "Visible in ps: prefer --ssh-password-file or the runner's environment variable SANDBOXER_SSH_PASSWORD.")
    void password(String value) {
        SshPasswordSource.warnVisible();
        this.password = value;
    }
}
