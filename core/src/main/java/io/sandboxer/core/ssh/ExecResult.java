package io.sandboxer.core.ssh;

import java.util.Locale;

/**
 * How a remote command ended: its exit status, or the signal that killed it (then {@link #exitCode()}
 * follows the shell convention 128 + signal number, e.g. 137 for KILL).
 */
public record ExecResult(Integer exitStatus, String exitSignal) {

    public int exitCode() {
        if (exitStatus != null) {
            return exitStatus;
        }
        if (exitSignal != null) {
            return 128 + Signals.number(exitSignal);
        }
        return -1; // the server reported neither (connection closed without an exit-status message)
    }

    public boolean succeeded() {
        return exitCode() == 0;
    }

    /** POSIX signal numbers for the names SSH servers report. */
    static final class Signals {
        private Signals() {
        }

        static int number(String name) {
            return switch (name.toUpperCase(Locale.ROOT).replace("SIG", "")) {
                case "HUP" -> 1;
                case "INT" -> 2;
                case "QUIT" -> 3;
                case "ILL" -> 4;
                case "ABRT" -> 6;
                case "FPE" -> 8;
                case "KILL" -> 9;
                case "USR1" -> 10;
                case "SEGV" -> 11;
                case "USR2" -> 12;
                case "PIPE" -> 13;
                case "ALRM" -> 14;
                case "TERM" -> 15;
                default -> 0;
            };
        }
    }
}
