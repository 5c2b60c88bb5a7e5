package io.sandboxer.core.ssh;

import io.sandboxer.core.credentials.SshPublicKey;
import java.util.List;
import java.util.Objects;

/** How the client decides whether it talks to the right server. */
public sealed interface HostKeyPolicy {

    /** Accept only these keys: the bootstrap injected them, so anything else is someone else. */
    record Pinned(List<SshPublicKey> keys) implements HostKeyPolicy {
        public Pinned {
            keys = List.copyOf(keys);
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("a pinned host key policy needs at least one key");
            }
        }
    }

    /** Accept any key. Only where no key can be known in advance; every connection logs a warning with the reason. */
    record Insecure(String reason) implements HostKeyPolicy {
        public Insecure {
            Objects.requireNonNull(reason, "reason");
        }
    }

    static HostKeyPolicy pinned(SshPublicKey... keys) {
        return new Pinned(List.of(keys));
    }

    static HostKeyPolicy insecure(String reason) {
        return new Insecure(reason);
    }
}
