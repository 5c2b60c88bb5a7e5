package io.sandboxer.core.lifecycle;

import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.ssh.ExecResult;
import io.sandboxer.core.ssh.GuestReadyCommand;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshOptions;
import io.sandboxer.core.ssh.SshTarget;

/**
 * The guest's bootstrap has finished (cloud-init done, Ignition's units up): an SSH login runs the OS family's
 * readiness command ({@link GuestReadyCommand}) successfully. Implies {@link SshLogin}.
 */
public final class GuestReady extends SshLogin {

    public GuestReady(SshOptions options, HostKeyPolicy whenNoKeyPinned) {
        super(options, whenNoKeyPinned);
    }

    @Override
    public String describe(ConnectInfo known) {
        return super.describe(known) + " on a guest whose bootstrap has finished";
    }

    @Override
    protected String command(ConnectInfo info) {
        return GuestReadyCommand.forOs(info.os());
    }

    @Override
    protected String notYet(SshTarget target, ExecResult result) {
        return target + " accepts logins but is not ready yet: its readiness check exited with " + result.exitCode()
                + " (on a cloud-init guest: cloud-init has not finished)";
    }
}
