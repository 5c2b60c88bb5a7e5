package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxProvider;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * cleanup_exec: deletes everything that carries the job's identity. Idempotent: nothing found is success; works
 * after a partial prepare, a cancel or a timeout (the runner always calls it). The job's connection agent, when it
 * runs, deletes the sandbox through the backend it holds open; without it (or when it cannot) cleanup opens the backend.
 */
@Command(name = "cleanup", mixinStandardHelpOptions = true, description = "Delete the job's sandbox and everything that belongs to it.")
final class CleanupCommand implements Callable<Integer> {
    @Mixin
    DriverConfig driver;
    @Option(names = "--timeout", defaultValue = "1h", description = "Accepted for compatibility; deletion does not wait for the guest.")
    String timeout;
    @Option(names = "--skip-if", description = "Accepted for compatibility with the KubeVirt Go tool; sandboxer always cleans up.")
    String skipIf;

    @Override
    public Integer call() {
        RunnerEnvironment env = RunnerEnvironment.current();
        String name = JobIdentity.from(env).sandboxName(driver.prefix());
        Optional<Boolean> deletedByAgent = JobAgent.deleteThroughAgent(name);
        if (deletedByAgent.isPresent()) {
            Diagnostics.say("stopped the job's connection agent");
            return reported(deletedByAgent.get(), name);
        }
        if (JobAgent.stop(name)) {
            Diagnostics.say("stopped the job's connection agent");
        }
        try (SandboxProvider provider = driver.openExisting(driver.settings())) {
            return reported(provider.delete(name), name);
        } catch (SandboxException e) {
            throw new StageException("cleaning up " + name + " failed (run `sandboxer gc` later): " + e.getMessage(), e);
        }
    }

    private static int reported(boolean deleted, String name) {
        Diagnostics.say(deleted ? "deleted sandbox " + name : "nothing to clean up for " + name);
        return 0;
    }
}
