package io.sandboxer.core.settings;

import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.model.Architecture;
import io.sandboxer.core.model.Quantity;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/** A settings record shaped like a backend's, to exercise the binder. */
record ExampleSettings(
        String uri,
        String poolName,
        Integer vcpuCount,
        Integer memoryMib,
        Long diskSizeGib,
        Boolean insecure,
        Architecture architecture,
        Quantity cpuRequest,
        Duration ttl,
        Secret password,
        List<String> groups,
        Map<String, String> labels,
        Connector connector,
        List<Mount> mounts) implements Validated {

    private static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9_.-]+$");

    ExampleSettings {
        uri = Objects.requireNonNullElse(uri, "qemu:///system");
        vcpuCount = Objects.requireNonNullElse(vcpuCount, 2);
        memoryMib = Objects.requireNonNullElse(memoryMib, 4096);
    }

    @Override
    public void validate(Validation check) {
        check.required("pool_name", poolName)
                .matches("pool_name", poolName, NAME, "use letters, digits, '_', '.' and '-'")
                .atLeast("vcpu_count", vcpuCount, 1)
                .atLeast("memory_mib", memoryMib, 256)
                .atLeast("disk_size_gib", diskSizeGib, 1);
        if (password != null && password.reveal().length() < 8) {
            check.fail("password", password, "must be at least 8 characters");
        }
    }

    record Connector(String username, Integer protocolPort) implements Validated {
        @Override
        public void validate(Validation check) {
            check.required("username", username).between("protocol_port", protocolPort, 1, 65535);
        }
    }

    record Mount(String source, String target) implements Validated {
        @Override
        public void validate(Validation check) {
            check.required("source", source).required("target", target);
        }
    }
}
