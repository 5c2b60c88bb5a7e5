package io.sandboxer.core.fleet;

import io.sandboxer.core.lifecycle.NotReadyException;
import io.sandboxer.core.lifecycle.WaitStrategy;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.provider.SandboxException;

/**
 * Decides whether a running machine is ready for jobs. One quick attempt, no waiting: the {@link Fleet}
 * asks again on the next update.
 */
@FunctionalInterface
public interface ReadinessProbe {

    boolean isReady(ConnectInfo info);

    /**
     * One attempt of the lifecycle's {@link WaitStrategy} (for jobs: {@code GuestReady}, an SSH login on a guest whose
     * bootstrap finished) against the address the Fleet already has: the same rule the custom executor waits for.
     */
    static ReadinessProbe of(WaitStrategy strategy) {
        return info -> {
            if (info.address() == null) {
                return false;
            }
            try {
                strategy.check(null, info.id(), info);
                return true;
            } catch (NotReadyException | SandboxException e) {
                return false;
            }
        };
    }
}
