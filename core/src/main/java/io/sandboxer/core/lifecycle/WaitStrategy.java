package io.sandboxer.core.lifecycle;

import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.provider.SandboxProvider;

/**
 * One condition a sandbox must meet before a job may use it (the model is Testcontainers' wait strategies). A
 * {@link Readiness} waits for its strategies in order; {@link #check} is a single attempt, so a caller that polls
 * anyway (the Fleet's update) uses the same rules without waiting.
 */
public interface WaitStrategy {

    /** What is waited for, for progress messages: "an IP address", "an SSH login as runner". */
    String describe(ConnectInfo known);

    /**
     * One attempt. Returns how to reach the sandbox (the one {@code known}, or a fresh one); throws
     * {@link NotReadyException} when not yet, any other exception when the sandbox will never be ready.
     *
     * @param known what the previous strategy found, null before the first
     */
    ConnectInfo check(SandboxProvider provider, String id, ConnectInfo known);

    /** One attempt of a strategy written as a lambda. */
    @FunctionalInterface
    interface Check {
        ConnectInfo check(SandboxProvider provider, String id, ConnectInfo known);
    }

    /** A strategy from a description and a check: for conditions of one's own (a port, a file in the guest). */
    static WaitStrategy named(String description, Check check) {
        return new WaitStrategy() {
            @Override
            public String describe(ConnectInfo known) {
                return description;
            }

            @Override
            public ConnectInfo check(SandboxProvider provider, String id, ConnectInfo known) {
                return check.check(provider, id, known);
            }
        };
    }
}
