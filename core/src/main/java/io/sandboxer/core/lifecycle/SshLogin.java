package io.sandboxer.core.lifecycle;

import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.ssh.ExecResult;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshException;
import io.sandboxer.core.ssh.SshOptions;
import io.sandboxer.core.ssh.SshSession;
import io.sandboxer.core.ssh.SshTarget;
import java.util.Objects;

/**
 * A login with the sandbox's credentials works <em>and</em> runs {@code command}: an open port does not count (sshd
 * accepts connections before {@code pam_nologin} lets users in). The host key is the pinned one when the backend
 * knows it, else {@code whenNoKeyPinned} decides.
 */
public class SshLogin implements WaitStrategy {
    private final SshOptions options;
    private final HostKeyPolicy whenNoKeyPinned;

    public SshLogin(SshOptions options, HostKeyPolicy whenNoKeyPinned) {
        this.options = Objects.requireNonNull(options, "options");
        this.whenNoKeyPinned = Objects.requireNonNull(whenNoKeyPinned, "whenNoKeyPinned");
    }

    @Override
    public String describe(ConnectInfo known) {
        return "an SSH login as " + (known == null ? "the sandbox's user" : known.user());
    }

    /** The command a login must run successfully; a plain login runs {@code true}. */
    protected String command(ConnectInfo info) {
        return "true";
    }

    /** Why a command that ran but failed means "not yet". */
    protected String notYet(SshTarget target, ExecResult result) {
        return target + " accepts logins but \"" + command(null) + "\" exited with " + result.exitCode();
    }

    @Override
    public ConnectInfo check(SandboxProvider provider, String id, ConnectInfo known) {
        ConnectInfo info = known != null ? known : provider.connectInfo(id);
        if (info.address() == null) {
            throw new NotReadyException(id + " has no address yet", null);
        }
        SshTarget target = SshTarget.of(info, whenNoKeyPinned);
        try (SshSession session = SshSession.connect(target, options)) {
            ExecResult result = session.exec(command(info), null, null);
            if (!result.succeeded()) {
                throw new NotReadyException(notYet(target, result), null);
            }
            return info;
        } catch (SshException e) {
            if (e.kind() == SshException.Kind.CANCELLED) {
                throw e;
            }
            throw new NotReadyException(e.getMessage(), e);
        }
    }
}
