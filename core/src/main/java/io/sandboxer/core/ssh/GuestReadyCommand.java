package io.sandboxer.core.ssh;

import io.sandboxer.core.bootstrap.OsFamily;

/**
 * The command whose success over SSH means a guest is ready for jobs: a login works <em>and</em> its bootstrap has
 * finished. sshd starts while cloud-init's later stages still create sudo rules, write files and trust CA
 * certificates, so a job that starts at the first login races them (seen on Debian: "sudo: a password is required").
 * Never blocks: a caller that waits polls it again.
 */
public final class GuestReadyCommand {
    /** Where cloud-init keeps its run-time state (cloud-init's {@code paths.run_dir}). */
    static final String CLOUD_INIT_RUN_DIR = "/run/cloud-init";
    /**
     * No cloud-init (Flatcar, Ignition guests): ready. Otherwise ready once cloud-init reached a final state;
     * {@code error} counts, so a degraded guest fails its job visibly instead of the wait timing out.
     */
    static final String LINUX = linux(CLOUD_INIT_RUN_DIR);
    /** Understood alike by cmd.exe (Windows OpenSSH's default shell), PowerShell and POSIX shells. */
    static final String WINDOWS = "exit 0";

    private GuestReadyCommand() {
    }

    /**
     * The Linux check, with shell builtins only where cloud-init's own files answer: {@code cloud-init status} is a
     * Python program that took 5 s per attempt on a TCG guest (and every attempt slows the boot it waits for).
     * From cloud-init 22.4 (Debian 12): its systemd generator leaves {@code enabled} or {@code disabled} in the run
     * directory before any unit starts, and the final stage writes {@code result.json} when it ends, with or
     * without errors ({@code cloud-init status} says "done" or "error" then). Neither marker (cloud-init not run by
     * systemd): ask {@code cloud-init status} as before.
     */
    static String linux(String runDir) {
        return "! command -v cloud-init >/dev/null 2>&1 || [ -e " + runDir + "/result.json ] || [ -e " + runDir + "/disabled ] || "
                + "{ [ ! -e " + runDir + "/enabled ] && cloud-init status 2>/dev/null | grep -Eq '^status: (done|error|disabled)'; }";
    }

    public static String forOs(OsFamily os) {
        return os == OsFamily.WINDOWS ? WINDOWS : LINUX;
    }
}
