package io.sandboxer.core.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.bootstrap.CaCertificate;
import io.sandboxer.core.bootstrap.CaCertificates;
import io.sandboxer.core.bootstrap.GuestUser;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.bootstrap.UserPassword;
import io.sandboxer.core.credentials.PasswordHashAlgorithm;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.testing.BootstrapFixtures;
import io.sandboxer.core.testing.Keys;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuestAccessTest {
    private final GuestAccess access = new GuestAccess();

    @Test
    void aLinuxUserGetsSudoDockerBashAndAPinnedHostKey() {
        var plan = access.plan(GuestAccess.Request.ssh(OsFamily.LINUX, "runner", 22, CredentialChoice.key(Keys.load("openssh_ed25519"))));
        GuestUser user = plan.user();
        assertEquals(List.of("sudo", "docker"), user.groups());
        assertEquals("/bin/bash", user.shell());
        assertTrue(user.passwordlessSudo());
        assertNull(user.password(), "a key login needs no password");
        assertEquals(List.of(Keys.load("openssh_ed25519").authorizedKeysLine()), user.authorizedKeys());
        assertFalse(plan.sshPasswordAuthentication());
        assertEquals(1, plan.hostKeys().size());
        assertEquals(plan.hostKeys().get(0).publicKey(), plan.access().hostKey(), "the installed host key is the pinned one");
        assertEquals("runner", plan.access().user());
        assertInstanceOf(Credential.PrivateKey.class, plan.access().credential());
    }

    @Test
    void theImagesOwnUserKeepsItsGroupsAndShell() {
        var plan = access.plan(GuestAccess.Request.ssh(OsFamily.LINUX, "core", 22, CredentialChoice.key(Keys.load("openssh_ed25519"))));
        assertEquals(List.of(), plan.user().groups());
        assertNull(plan.user().shell());
        assertFalse(plan.user().passwordlessSudo());
    }

    @Test
    void aGivenLinuxPasswordIsHashedWithTheChosenAlgorithmAndTurnsOnPasswordLogins() {
        Secret password = Secret.of("correct horse battery staple");
        var sha = access.plan(GuestAccess.Request.ssh(OsFamily.LINUX, "runner", 22, CredentialChoice.password(password)));
        var bcrypt = access.plan(GuestAccess.Request.ssh(OsFamily.LINUX, "runner", 22, CredentialChoice.password(password))
                .withPasswordHash(PasswordHashAlgorithm.BCRYPT));
        assertTrue(((UserPassword.Hashed) sha.user().password()).cryptHash().reveal().startsWith("$6$"));
        assertTrue(((UserPassword.Hashed) bcrypt.user().password()).cryptHash().reveal().startsWith("$2"));
        assertTrue(sha.sshPasswordAuthentication());
        assertEquals(password, ((Credential.Password) sha.access().credential()).password());
    }

    @Test
    void aGeneratedLinuxCredentialIsAKeyWithAConsolePasswordButNoPasswordLogins() {
        var plan = access.plan(GuestAccess.Request.ssh(OsFamily.LINUX, "runner", 22, new CredentialChoice.Generated()));
        var key = assertInstanceOf(Credential.PrivateKey.class, plan.access().credential());
        assertEquals(List.of(key.key().authorizedKeysLine()), plan.user().authorizedKeys());
        assertNotNull(plan.userPassword());
        assertEquals(32, plan.userPassword().reveal().length());
        assertFalse(plan.sshPasswordAuthentication());
    }

    @Test
    void aWindowsUserGetsAPlainPasswordNoGroupsAndNoHostKey() {
        var plan = access.plan(GuestAccess.Request.ssh(OsFamily.WINDOWS, "Administrator", 22, new CredentialChoice.Generated()));
        var password = assertInstanceOf(Credential.Password.class, plan.access().credential());
        assertEquals(password.password(), ((UserPassword.Plain) plan.user().password()).password());
        assertEquals(List.of(), plan.user().groups());
        assertNull(plan.user().shell());
        assertEquals(List.of(), plan.hostKeys());
        assertNull(plan.access().hostKey());
    }

    @Test
    void applyToReplacesTheUserOfTheSameNameAndAddsTheCaCertificates() {
        CaCertificate ca = CaCertificates.load(BootstrapFixtures.caPath("dir")).get(0);
        var plan = access.plan(GuestAccess.Request.ssh(OsFamily.LINUX, "runner", 22, new CredentialChoice.Generated()).withCaCertificates(List.of(ca)));
        GuestUser stale = new GuestUser("runner", null, List.of(), List.of(), null, false);
        GuestUser other = new GuestUser("other", null, List.of(), List.of(), null, false);
        BootstrapSpec merged = plan.applyTo(BootstrapSpec.linux("h", List.of(stale, other)));
        assertEquals(List.of(other, plan.user()), merged.users());
        assertEquals(List.of(ca), merged.caCertificates());
        assertEquals(plan.hostKeys(), merged.hostKeys());
        assertEquals(List.of(ca), plan.bootstrap("h").caCertificates());
        BootstrapSpec own = BootstrapSpec.linux("h", List.of(other));
        assertEquals(List.of(ca), GuestAccess.withGroupCaCertificates(own, List.of(ca)).caCertificates(), "a spec without CAs gets the group's");
        assertEquals(merged, GuestAccess.withGroupCaCertificates(merged, List.of()), "no group CAs: unchanged");
    }
}
