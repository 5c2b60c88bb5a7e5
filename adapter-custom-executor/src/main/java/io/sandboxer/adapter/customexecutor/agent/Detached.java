package io.sandboxer.adapter.customexecutor.agent;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a process that outlives the stage starting it (the connection agent, the warm pool's refill): in a session
 * of its own, so the runner's signals to the stage's process group do not reach it, reading nothing, its output
 * appended to a log. With {@code setsid --fork} it is not even this JVM's child: a live child keeps the JDK's reaper
 * thread waiting in native code, and HotSpot's exit waits ~300 ms for such threads, a fifth of a prepare stage's own
 * time (measured). Without setsid it is started as a plain child.
 */
public final class Detached {
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private Detached() {
    }

    /** Starts {@code command}; an IOException when it cannot be started. */
    public static void start(List<String> command, Path log) throws IOException {
        List<String> argv = new ArrayList<>();
        boolean fork = Files.isExecutable(SETSID);
        if (fork) {
            argv.addAll(List.of(SETSID.toString(), "--fork"));
        }
        argv.addAll(command);
        Process process = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true)
                .start();
        if (fork) {
            try {
                // setsid forks and exits at once; reaping it here leaves no child behind.
                if (process.waitFor(5, TimeUnit.SECONDS) && process.exitValue() != 0) {
                    throw new IOException("setsid --fork exited with " + process.exitValue() + " (see " + log + ")");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting " + command.getFirst(), e);
            }
        }
    }
}
