package io.sandboxer.adapter.customexecutor;

/**
 * The emulated guest runs its commands as processes of this machine: whether one runs, and signals as the runner
 * sends them to a stage.
 */
final class LocalProcesses {
    private LocalProcesses() {
    }

    /** Whether a process whose command line contains {@code commandLine} runs. */
    static boolean running(String commandLine) {
        try {
            Process p = new ProcessBuilder("pgrep", "-f", commandLine).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** SIGTERM, as the runner sends on cancel. */
    static void sigterm(Process process) throws Exception {
        new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
    }
}
