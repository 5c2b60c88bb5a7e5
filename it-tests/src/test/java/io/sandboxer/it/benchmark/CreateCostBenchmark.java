package io.sandboxer.it.benchmark;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.bootstrap.GuestUser;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.SshKeyGenerator;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.SandboxAccess;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviders;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Provider-side create cost on the real libvirtd: {@code SandboxProvider.create} (overlay volume, bootstrap file,
 * define, start) until it returns, excluding the guest's boot, for a ~0.2 GiB base (the Debian test image, 164 MiB
 * on disk, 3 GiB virtual) and a sparse 20 GiB qcow2 base. Copy-on-write overlays should make the two alike.
 */
class CreateCostBenchmark {
    private static final int RUNS = 7;
    private static final String LARGE = "bench-base-20g.qcow2";

    @Test
    void createCostBySizeOfTheBaseImage() throws Exception {
        LibvirtHost host = LibvirtHost.prepare();
        Path large = host.poolDir().resolve(LARGE);
        // Sparse: 20 GiB virtual and apparent size (every cluster's metadata laid out), almost nothing allocated.
        LibvirtHost.run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "preallocation=metadata", large.toString(), "20G");
        LibvirtHost.run("virsh", "-c", host.uri(), "pool-refresh", host.pool());
        try {
            Duration small = measure(host, host.baseVolume(), "small");
            Duration big = measure(host, LARGE, "large");
            BenchmarkReport.row("create cost", "ratio 20 GiB / 0.2 GiB base (medians)",
                    String.format("%.2f", (double) big.toNanos() / small.toNanos()));
        } finally {
            Files.deleteIfExists(large);
            LibvirtHost.run("virsh", "-c", host.uri(), "pool-refresh", host.pool());
        }
    }

    private static Duration measure(LibvirtHost host, String baseVolume, String label) throws Exception {
        String group = "sbx-bench-" + label;
        Path state = Files.createDirectories(Path.of("/var/lib/sandboxer/bench-state", group));
        ObjectNode json = host.settings(group, state, " cloud-init=disabled").put("base_volume_name", baseVolume)
                .put("disk_size_gib", 21).put("bootstrap_format", "ignition").put("bootstrap_delivery", "file");
        SshPrivateKey key = new SshKeyGenerator().generateEd25519();
        List<Duration> samples = new ArrayList<>();
        try (SandboxProvider provider = SandboxProviders.create("libvirt", json, "plugin_config")) {
            for (int i = 0; i <= RUNS; i++) {
                String name = group + "-" + i;
                SandboxSpec spec = SandboxSpec.builder(name)
                        .bootstrap(new BootstrapSpec(OsFamily.LINUX, name, List.of(new GuestUser("core", null, List.of(key.authorizedKeysLine()),
                                List.of(), null, false)), List.of(), List.of(), List.of(), List.of(), false))
                        .access(SandboxAccess.ssh("core", new Credential.PrivateKey(key))).build();
                long start = System.nanoTime();
                provider.create(spec);
                Duration took = BenchmarkReport.since(start);
                provider.delete(name);
                if (i > 0) { // the first create warms the connection and libvirt's caches
                    samples.add(took);
                }
            }
        }
        BenchmarkReport.row("create cost", "base " + baseVolume + " (" + label + "): create() until it returns", BenchmarkReport.summary(samples));
        return BenchmarkReport.median(samples);
    }
}
