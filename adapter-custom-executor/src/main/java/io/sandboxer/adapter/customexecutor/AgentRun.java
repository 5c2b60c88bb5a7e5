package io.sandboxer.adapter.customexecutor;

import io.sandboxer.adapter.customexecutor.agent.AgentClient;
import io.sandboxer.adapter.customexecutor.agent.AgentDirectory;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/** One {@code run} sub-stage through the job's connection agent, for {@link RunCommand} and {@link QuickStart} alike. */
final class AgentRun {
    private final RunnerEnvironment env;
    private final String sandbox;
    private final String stage;
    private final Cancellation cancellation;

    AgentRun(RunnerEnvironment env, String sandbox, String stage, Cancellation cancellation) {
        this.env = env;
        this.sandbox = sandbox;
        this.stage = stage;
        this.cancellation = cancellation;
    }

    /**
     * Hands the script to the agent and returns the stage's exit code; empty when no agent took it (nothing ran, the
     * caller connects itself), with a warning saying why when {@code warn}.
     */
    Optional<Integer> run(byte[] script, boolean warn) {
        AgentClient client;
        try {
            Optional<AgentDirectory.Job> job = AgentDirectory.from(env.env()).find(sandbox);
            if (job.isEmpty()) {
                return unavailable(warn, "this job has no connection agent (it did not start in prepare)");
            }
            client = AgentClient.connect(job.get().socket());
        } catch (IOException | RuntimeException e) {
            return unavailable(warn, "the job's connection agent is not running (" + e.getMessage() + ")");
        }
        try (client) {
            cancellation.whenCancelled(client::cancel);
            AgentClient.Outcome outcome = client.run(stage, script, System.out, System.err);
            if (cancellation.isCancelled()) {
                cancellation.awaitAction(Duration.ofSeconds(30));
                Diagnostics.say(stage + " cancelled: the connection agent stops the remote script's process group");
                return Optional.of(env.systemFailureExitCode());
            }
            return switch (outcome) {
                case AgentClient.Outcome.Exited exited -> Optional.of(RunCommand.finish(env, stage, exited.code()));
                case AgentClient.Outcome.Failed failed -> throw new StageException("the sandbox " + sandbox + " was lost during " + stage
                        + ": " + failed.why());
                case AgentClient.Outcome.Unavailable refused -> unavailable(warn, "the job's connection agent did not take the script ("
                        + refused.why() + ")");
            };
        }
    }

    private static Optional<Integer> unavailable(boolean warn, String why) {
        if (warn) {
            Diagnostics.warn(why + "; connecting directly");
        }
        return Optional.empty();
    }
}
