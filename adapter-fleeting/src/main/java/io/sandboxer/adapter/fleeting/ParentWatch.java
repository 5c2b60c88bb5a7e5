package io.sandboxer.adapter.fleeting;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends the plugin when the process that started it is gone. The runner stops a plugin through
 * GRPCController.Shutdown, but a runner that is SIGKILLed or crashes never calls it, and the plugin (which rightly
 * ignores the stop signals, see {@link SignalGuard}) would live on as an orphan that keeps its backend connection
 * and in-flight creations (gitlab-runner#29313, #38716). The parent's stdin cannot tell: go-plugin hands the
 * runner's own stdin to the plugin. So the watch polls the parent pid: when it changes (the kernel re-parents an
 * orphan to init or a subreaper), the parent is gone. Instances stay; the next plugin's start-up sweep finds them.
 */
final class ParentWatch {
    private static final Logger LOG = LoggerFactory.getLogger(ParentWatch.class);
    static final Duration INTERVAL = Duration.ofSeconds(1);

    private ParentWatch() {
    }

    /** Starts watching this process's parent; {@code onOrphaned} runs once, on a daemon thread, when it is gone. */
    static void start(Runnable onOrphaned) {
        start(() -> ProcessHandle.current().parent().map(ProcessHandle::pid), INTERVAL, onOrphaned);
    }

    static void start(Supplier<Optional<Long>> parentPid, Duration interval, Runnable onOrphaned) {
        Optional<Long> original = parentPid.get();
        if (original.isEmpty() || original.get() == 1L) {
            LOG.debug("no parent to watch (parent pid {})", original.map(String::valueOf).orElse("unknown"));
            return;
        }
        long parent = original.get();
        Thread.ofPlatform().daemon().name("parent-watch").start(() -> {
            try {
                while (parentPid.get().filter(pid -> pid == parent).isPresent()) {
                    Thread.sleep(interval.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            LOG.warn("the process that started this plugin (pid {}) is gone without shutting it down; exiting. "
                    + "Instances are left in place: the next plugin's start-up sweep handles them", parent);
            onOrphaned.run();
        });
    }
}
