package io.sandboxer.core.ssh;

import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.Credential;
import java.util.Objects;

/** Where and as whom to log in. */
public record SshTarget(String host, int port, String user, Credential credential, HostKeyPolicy hostKeyPolicy) {
    public SshTarget {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(hostKeyPolicy, "hostKeyPolicy");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("SSH port " + port + " is outside 1..65535");
        }
    }

    /**
     * The target a {@link ConnectInfo} describes: its pinned host key when the bootstrap injected one,
     * otherwise {@code fallback}.
     */
    public static SshTarget of(ConnectInfo info, HostKeyPolicy fallback) {
        String address = info.address();
        if (address == null) {
            throw new IllegalStateException("sandbox " + info.id() + " has no address yet");
        }
        HostKeyPolicy policy = info.pinnedHostKey().<HostKeyPolicy>map(HostKeyPolicy::pinned).orElse(fallback);
        return new SshTarget(address, info.port(), info.user(), info.credential(), policy);
    }

    @Override
    public String toString() {
        return user + "@" + host + ":" + port;
    }
}
