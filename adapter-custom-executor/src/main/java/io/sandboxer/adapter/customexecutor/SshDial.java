package io.sandboxer.adapter.customexecutor;

import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --dial-timeout}, shared by the stages that open SSH connections (the KubeVirt Go tool's flag). */
final class SshDial {
    @Option(names = "--dial-timeout", defaultValue = "10s", converter = GoDurations.Positive.class,
            description = "Timeout of one SSH connection attempt (default: ${DEFAULT-VALUE}).")
    Duration timeout;
}
