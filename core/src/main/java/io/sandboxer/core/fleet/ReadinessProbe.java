package io.sandboxer.core.fleet;

import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.ssh.GuestReadyCommand;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshException;
import io.sandboxer.core.ssh.SshReadiness;
import io.sandboxer.core.ssh.SshTarget;

/**
 * Decides whether a running machine is ready for jobs. One quick attempt, no waiting: the {@link Fleet}
 * asks again on the next update.
 */
@FunctionalInterface
public interface ReadinessProbe {

    boolean isReady(ConnectInfo info);

    /** Ready = an SSH login with the instance's credentials works and the guest's bootstrap has finished. */
    static ReadinessProbe ssh(SshReadiness readiness, HostKeyPolicy whenNoKeyPinned) {
        return info -> {
            if (info.address() == null) {
                return false;
            }
            try {
                readiness.probeOnce(SshTarget.of(info, whenNoKeyPinned), GuestReadyCommand.forOs(info.os()));
                return true;
            } catch (SshException e) {
                return false;
            }
        };
    }
}
