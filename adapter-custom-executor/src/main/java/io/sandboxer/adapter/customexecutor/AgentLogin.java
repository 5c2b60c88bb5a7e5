package io.sandboxer.adapter.customexecutor;

import io.sandboxer.adapter.customexecutor.agent.AgentProcess;
import io.sandboxer.core.lifecycle.WaitStrategy;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.provider.SandboxProvider;
import java.time.Duration;

/**
 * The login check of a claimed pool member when the job has a connection agent: the member's guest was ready when it
 * was pooled, so the question is only whether it still takes logins, and the agent's own login answers it. Checking
 * with a login of prepare's own as well would cost a second SSH handshake with the guest, which under TCG is the larger
 * part of a warm prepare. An agent that cannot log in hands the check to prepare's own login ({@code fallback}).
 */
final class AgentLogin implements WaitStrategy {
    private final AgentProcess agent;
    private final Duration limit;
    private final WaitStrategy fallback;
    private volatile String agentFailure;

    AgentLogin(AgentProcess agent, Duration limit, WaitStrategy fallback) {
        this.agent = agent;
        this.limit = limit;
        this.fallback = fallback;
    }

    @Override
    public String describe(ConnectInfo known) {
        return agentFailure == null ? "the job's connection agent to log in" : fallback.describe(known);
    }

    @Override
    public ConnectInfo check(SandboxProvider provider, String id, ConnectInfo known) {
        if (agentFailure == null) {
            String notReady = agent.awaitReady(limit);
            if (notReady == null) {
                return known != null ? known : provider.connectInfo(id);
            }
            agentFailure = notReady;
            Diagnostics.warn("the connection agent did not start (" + notReady + "); checking the login directly");
        }
        return fallback.check(provider, id, known);
    }
}
