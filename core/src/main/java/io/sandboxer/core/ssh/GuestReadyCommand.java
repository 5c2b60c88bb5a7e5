package io.sandboxer.core.ssh;

import io.sandboxer.core.bootstrap.OsFamily;

/**
 * The command whose success over SSH means a guest is ready for jobs: a login works <em>and</em> its bootstrap has
 * finished. sshd starts while cloud-init's later stages still create sudo rules, write files and trust CA
 * certificates, so a job that starts at the first login races them (seen on Debian: "sudo: a password is required").
 * Never blocks: a caller that waits polls it again.
 */
public final class GuestReadyCommand {
    /**
     * No cloud-init (Flatcar, Ignition guests): ready. Otherwise ready once {@code cloud-init status} reports a final
     * state; {@code error} counts, so a degraded guest fails its job visibly instead of the wait timing out.
     */
    static final String LINUX = "! command -v cloud-init >/dev/null 2>&1 || cloud-init status 2>/dev/null | grep -Eq '^status: (done|error|disabled)'";
    /** Understood alike by cmd.exe (Windows OpenSSH's default shell), PowerShell and POSIX shells. */
    static final String WINDOWS = "exit 0";

    private GuestReadyCommand() {
    }

    public static String forOs(OsFamily os) {
        return os == OsFamily.WINDOWS ? WINDOWS : LINUX;
    }
}
