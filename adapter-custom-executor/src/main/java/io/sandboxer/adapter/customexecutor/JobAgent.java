package io.sandboxer.adapter.customexecutor;

import io.sandboxer.adapter.customexecutor.agent.AgentClient;
import io.sandboxer.adapter.customexecutor.agent.AgentDirectory;
import io.sandboxer.adapter.customexecutor.agent.AgentProcess;
import io.sandboxer.core.provider.SandboxProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The driver's side of the per-job connection agent: {@code prepare} starts it alongside the guest's boot,
 * {@code cleanup} stops it. It is an optimisation only: when it cannot start, stages connect directly.
 */
final class JobAgent {
    /** The launcher sets this to itself, so the agent runs with the launcher's JDK and JVM options. */
    static final String LAUNCHER_VARIABLE = "SANDBOXER_LAUNCHER";
    /**
     * The stage client sets this when it hands cleanup over because the agent could not delete or did not answer:
     * asking a hung agent again would only wait again.
     */
    static final String AGENT_DID_NOT_DELETE = "SANDBOXER_AGENT_DID_NOT_DELETE";

    private JobAgent() {
    }

    /** Starts the agent of {@code sandbox}, waiting for prepare's go; empty (with a warning) when it cannot start. */
    static Optional<AgentProcess> start(DriverConfig driver, String sandbox, Duration timeout, Duration idleTimeout, Duration dial) {
        try {
            // An agent of an earlier attempt of this job (its prepare was killed) serves the leftover VM prepare is
            // about to delete: stop it first, so the job directory holds one agent only.
            if (stop(sandbox)) {
                Diagnostics.say("stopped the connection agent of an earlier attempt");
            }
            AgentDirectory.Job job = AgentDirectory.from(System.getenv()).create(sandbox);
            List<String> command = new ArrayList<>(launcher());
            command.addAll(List.of("agent", "--sandbox", sandbox, "--timeout", seconds(timeout), "--idle-timeout", seconds(idleTimeout),
                    "--dial-timeout", seconds(dial)));
            command.addAll(driver.arguments());
            return Optional.of(AgentProcess.start(command, job));
        } catch (IOException | RuntimeException e) {
            Diagnostics.warn("the connection agent cannot start (" + e.getMessage() + "); run stages connect directly");
            return Optional.empty();
        }
    }

    /**
     * Has the job's agent delete {@code sandbox} (it holds the backend open) and stop; empty when there is no agent or
     * it could not, then the caller stops it and deletes by itself. An agent's failure is said: it may explain the
     * caller's own.
     */
    static Optional<Boolean> deleteThroughAgent(String sandbox) {
        if (System.getenv(AGENT_DID_NOT_DELETE) != null) {
            return Optional.empty(); // the stage client asked it already, and said why it did not
        }
        Optional<AgentDirectory.Job> job;
        try {
            job = AgentDirectory.from(System.getenv()).find(sandbox);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        if (job.isEmpty()) {
            return Optional.empty();
        }
        return switch (AgentClient.delete(job.get().socket(), sandbox)) {
            case AgentClient.Deletion.Deleted deleted -> Optional.of(deleted.existed());
            case AgentClient.Deletion.NoAgent noAgent -> Optional.empty();
            case AgentClient.Deletion.Failed failed -> {
                Diagnostics.say("the connection agent did not delete " + sandbox + " (" + failed.why() + "); deleting directly");
                yield Optional.empty();
            }
        };
    }

    /** Stops the job's agent, if one runs, and removes its directory; true when there was one. */
    static boolean stop(String sandbox) {
        try {
            Optional<AgentDirectory.Job> job = AgentDirectory.from(System.getenv()).find(sandbox);
            if (job.isEmpty()) {
                return false;
            }
            if (!AgentClient.stop(job.get().socket())) {
                job.get().process().ifPresent(ProcessHandle::destroy); // not answering: no socket yet, or hung
            }
            job.get().delete();
            return true;
        } catch (IOException | RuntimeException e) {
            Diagnostics.warn("could not stop the job's connection agent: " + e.getMessage());
            return false;
        }
    }

    /**
     * The agents (and agent directories) of this driver's jobs whose sandbox no longer exists, or whose agent is dead:
     * stopped and removed unless {@code dryRun}; directories younger than {@code grace} are left alone. Their sandboxes' names are returned.
     */
    static List<String> orphans(SandboxProvider provider, String namePrefix, Duration grace, boolean dryRun) {
        List<String> orphans = new ArrayList<>();
        try {
            for (AgentDirectory.Job job : AgentDirectory.from(System.getenv()).jobs()) {
                if (!job.sandbox().startsWith(namePrefix) || job.age().compareTo(grace) < 0) {
                    continue; // another driver's, or a prepare running now whose sandbox may not exist yet
                }
                boolean alive = job.process().isPresent();
                if (alive && provider.get(job.sandbox()).isPresent()) {
                    continue;
                }
                orphans.add(job.sandbox());
                if (!dryRun) {
                    if (alive && !AgentClient.stop(job.socket())) {
                        job.process().ifPresent(ProcessHandle::destroy);
                    }
                    job.delete();
                }
            }
        } catch (IOException | RuntimeException e) {
            Diagnostics.warn("could not look for orphaned connection agents: " + e.getMessage());
        }
        return orphans;
    }

    /** How to start this driver again in another process: the launcher, else this JVM and class path. */
    static List<String> launcher() {
        String launcher = System.getenv(LAUNCHER_VARIABLE);
        if (launcher != null && launcher.startsWith("/")) {
            return List.of(launcher);
        }
        // Embedded or run from an IDE: this very JVM and class path.
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return List.of(java, "-cp", System.getProperty("java.class.path"), SandboxerCli.class.getName());
    }

    private static String seconds(Duration duration) {
        return Math.max(1, duration.toSeconds()) + "s";
    }
}
