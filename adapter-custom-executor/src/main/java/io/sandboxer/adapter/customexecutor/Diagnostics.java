package io.sandboxer.adapter.customexecutor;

import java.io.PrintStream;

/**
 * The one channel for what a stage says to the person reading the job log: on stderr (the runner shows it; stdout
 * belongs to {@code config}'s JSON and the job's own output), one line each, prefixed so it stands out from the
 * job's output.
 */
final class Diagnostics {
    private static final String PREFIX = "[sandboxer] ";

    private Diagnostics() {
    }

    static void say(String message) {
        line(PREFIX + message);
    }

    static void warn(String message) {
        line(PREFIX + "warning: " + message);
    }

    /** A stage failing: what the runner's log ends with. */
    static void error(String message) {
        line("ERROR: " + message);
    }

    static PrintStream stream() {
        return System.err;
    }

    private static void line(String text) {
        PrintStream err = stream();
        err.println(text);
        err.flush();
    }
}
