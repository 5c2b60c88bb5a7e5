package io.sandboxer.core.access;

import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.bootstrap.CaCertificate;
import io.sandboxer.core.bootstrap.GuestUser;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.bootstrap.SshHostKey;
import io.sandboxer.core.bootstrap.UserPassword;
import io.sandboxer.core.credentials.PasswordHashAlgorithm;
import io.sandboxer.core.credentials.PasswordHasher;
import io.sandboxer.core.credentials.RandomPasswords;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.credentials.SshKeyGenerator;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.model.ConnectProtocol;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.SandboxAccess;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The one place that decides what a guest's login user gets, for every adapter and backend: which credential, which
 * groups, which shell, which host key, which CA certificates. It turns a {@link Request} into both halves that must
 * agree, the bootstrap (what the guest installs) and the {@link SandboxAccess} (what clients log in with). Backends
 * only deliver the rendered bytes.
 *
 * <p>The rules (README, "What a guest gets"):
 * <ul>
 *   <li>Linux: the user is created with groups {@code sudo} and {@code docker} (docker-autoscaler and privileged
 *       builds need the Docker socket; cloud-init creates a group the image lacks), shell {@code /bin/bash},
 *       passwordless sudo. The image's own user ({@code core} on Flatcar and Fedora CoreOS) is only given the
 *       credential: its groups and shell are the image's.</li>
 *   <li>Windows: the user gets a plain password (Cloudbase-Init hashes it itself), no groups, no shell.</li>
 *   <li>A generated credential is an Ed25519 key on Linux (the user also gets a random password, for the console, as
 *       the KubeVirt Go tool does; SSH password logins stay off), a random 32-character password on Windows.</li>
 *   <li>Passwords of Linux users are stored hashed ({@code password_hash}, SHA-512 crypt by default); SSH password
 *       logins are turned on exactly when the credential is a password.</li>
 *   <li>Linux guests get a fresh Ed25519 host key, pinned in the access: no client trusts on first use.</li>
 *   <li>The group's extra CA certificates ({@code ca_certificates_path}) go to every guest.</li>
 * </ul>
 */
public final class GuestAccess {
    public static final List<String> LINUX_GROUPS = List.of("sudo", "docker");
    public static final String LINUX_SHELL = "/bin/bash";
    /** Users that images bring along themselves: updated with the credential, never re-grouped. */
    private static final Set<String> IMAGE_USERS = Set.of("core");

    private final SshKeyGenerator keys;
    private final RandomPasswords passwords;
    private final PasswordHasher hasher;

    public GuestAccess() {
        this(new SshKeyGenerator(), new RandomPasswords(), new PasswordHasher());
    }

    GuestAccess(SshKeyGenerator keys, RandomPasswords passwords, PasswordHasher hasher) {
        this.keys = keys;
        this.passwords = passwords;
        this.hasher = hasher;
    }

    /** What to give the guest's login user; {@code port} 0 means the protocol's default. */
    public record Request(OsFamily os, ConnectProtocol protocol, int port, String user, CredentialChoice credential,
                          List<CaCertificate> caCertificates, PasswordHashAlgorithm passwordHash) {
        public Request {
            os = Objects.requireNonNullElse(os, OsFamily.LINUX);
            protocol = Objects.requireNonNullElse(protocol, ConnectProtocol.SSH);
            Objects.requireNonNull(user, "user");
            credential = Objects.requireNonNullElseGet(credential, CredentialChoice::generated);
            caCertificates = caCertificates == null ? List.of() : List.copyOf(caCertificates);
            passwordHash = Objects.requireNonNullElse(passwordHash, PasswordHashAlgorithm.SHA512_CRYPT);
        }

        public static Request ssh(OsFamily os, String user, int port, CredentialChoice credential) {
            return new Request(os, ConnectProtocol.SSH, port, user, credential, List.of(), null);
        }

        public Request withCaCertificates(List<CaCertificate> certificates) {
            return new Request(os, protocol, port, user, credential, certificates, passwordHash);
        }

        public Request withPasswordHash(PasswordHashAlgorithm algorithm) {
            return new Request(os, protocol, port, user, credential, caCertificates, algorithm);
        }
    }

    /**
     * Both halves: the guest side ({@link #bootstrap}) and the client side ({@link #access}); {@code userPassword} is the
     * user's password in clear when it has one (given, or generated for the console), for a backend that keeps it.
     */
    public record Plan(OsFamily os, GuestUser user, List<SshHostKey> hostKeys, List<CaCertificate> caCertificates,
                       boolean sshPasswordAuthentication, SandboxAccess access, Secret userPassword) {

        /** A bootstrap with just this access, for guests that need nothing else. */
        public BootstrapSpec bootstrap(String hostname) {
            return new BootstrapSpec(os, hostname, List.of(user), caCertificates, List.of(), List.of(), hostKeys, sshPasswordAuthentication);
        }

        /**
         * {@code base} (a caller's own files and units) with this access added: the login user replaces one of the
         * same name, the host keys and CA certificates are this plan's unless {@code base} brings its own.
         */
        public BootstrapSpec applyTo(BootstrapSpec base) {
            List<GuestUser> users = new ArrayList<>(base.users().stream().filter(u -> !u.name().equals(user.name())).toList());
            users.add(user);
            return new BootstrapSpec(base.osFamily(), base.hostname(), users,
                    base.caCertificates().isEmpty() ? caCertificates : base.caCertificates(), base.files(), base.units(),
                    base.hostKeys().isEmpty() ? hostKeys : base.hostKeys(),
                    base.sshPasswordAuthentication() || sshPasswordAuthentication);
        }
    }

    /**
     * The group's CAs for a bootstrap that brings none of its own: every guest of a group trusts them, also one whose
     * spec a library caller wrote without {@link #plan}. Backends apply this to every spec they are given.
     */
    public static BootstrapSpec withGroupCaCertificates(BootstrapSpec bootstrap, List<CaCertificate> groupCertificates) {
        if (bootstrap == null || !bootstrap.caCertificates().isEmpty() || groupCertificates.isEmpty()) {
            return bootstrap;
        }
        return new BootstrapSpec(bootstrap.osFamily(), bootstrap.hostname(), bootstrap.users(), groupCertificates, bootstrap.files(),
                bootstrap.units(), bootstrap.hostKeys(), bootstrap.sshPasswordAuthentication());
    }

    public Plan plan(Request request) {
        Credential credential = switch (request.credential()) {
            case CredentialChoice.Given given -> given.credential();
            case CredentialChoice.Generated generated -> request.os() == OsFamily.WINDOWS
                    ? new Credential.Password(passwords.next()) : new Credential.PrivateKey(keys.generateEd25519());
        };
        boolean windows = request.os() == OsFamily.WINDOWS;
        Secret clear = switch (credential) {
            case Credential.Password p -> p.password();
            case Credential.PrivateKey k -> request.credential() instanceof CredentialChoice.Generated ? passwords.next() : null;
        };
        UserPassword password = clear == null ? null : windows ? new UserPassword.Plain(clear)
                : new UserPassword.Hashed(hasher.hash(clear, request.passwordHash()));
        List<String> authorizedKeys = credential instanceof Credential.PrivateKey k ? List.of(k.key().authorizedKeysLine()) : List.of();
        boolean imageUser = IMAGE_USERS.contains(request.user());
        GuestUser user = windows || imageUser
                ? new GuestUser(request.user(), password, authorizedKeys, List.of(), null, false)
                : new GuestUser(request.user(), password, authorizedKeys, LINUX_GROUPS, LINUX_SHELL, true);
        SshPrivateKey hostKey = windows ? null : keys.generateEd25519();
        SandboxAccess access = new SandboxAccess(request.os(), request.protocol(), request.port(), request.user(), credential,
                hostKey == null ? null : hostKey.publicKey());
        return new Plan(request.os(), user, hostKey == null ? List.of() : List.of(new SshHostKey(hostKey)), request.caCertificates(),
                credential instanceof Credential.Password, access, clear);
    }
}
