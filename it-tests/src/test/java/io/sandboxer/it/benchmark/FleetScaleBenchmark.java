package io.sandboxer.it.benchmark;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.core.bootstrap.BootstrapSpec;
import io.sandboxer.core.bootstrap.GuestUser;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.SshKeyGenerator;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.fleet.Fleet;
import io.sandboxer.core.fleet.FleetInstance;
import io.sandboxer.core.fleet.FleetSettings;
import io.sandboxer.core.fleet.IncreaseResult;
import io.sandboxer.core.group.SweepPolicy;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.SandboxAccess;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviders;
import io.sandboxer.core.testing.TestResources;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code Fleet} at scale on libvirt's test driver (in-process, no guests): Increase(50) from empty, filling the
 * group to 500, and Update with 500 instances, first when every instance still needs its connect info and a
 * readiness probe, then in steady state. The probe answers at once: this measures sandboxer and libvirt's API,
 * not SSH.
 */
class FleetScaleBenchmark {
    @TempDir
    Path dir;

    @Test
    void increaseFiftyAndUpdateFiveHundred() throws Exception {
        Path node = TestResources.path("/libvirt/test-node.xml");
        var json = new ObjectMapper().createObjectNode().put("uri", "test://" + node).put("pool_name", "pool")
                .put("base_volume_name", "base.qcow2").put("network_name", "default").put("state_dir", dir.resolve("state").toString())
                .put("domain_type", "qemu").put("memory_mib", 512).put("address_source", "auto").put("bootstrap_format", "ignition").put("domain_prefix", "bench");
        SshPrivateKey key = new SshKeyGenerator().generateEd25519();
        SandboxAccess access = SandboxAccess.ssh("core", new Credential.PrivateKey(key));
        try (SandboxProvider provider = SandboxProviders.create("libvirt", json, "plugin_config")) {
            Fleet fleet = new Fleet(provider, new FleetSettings("bench", 500, FleetSettings.DEFAULT_PARALLEL_CREATES, SweepPolicy.DELETE),
                    name -> SandboxSpec.builder(name.format()).access(access)
                            .bootstrap(new BootstrapSpec(OsFamily.LINUX, name.format(), List.of(new GuestUser("core", null,
                                    List.of(key.authorizedKeysLine()), List.of(), null, false)), List.of(), List.of(), List.of(), List.of(), false))
                            .build(),
                    info -> true, Clock.systemUTC());
            fleet.start();

            long start = System.nanoTime();
            IncreaseResult made = fleet.increase(50);
            BenchmarkReport.row("Fleet (test driver)", "Increase(50) from empty: " + made.succeeded() + " created",
                    BenchmarkReport.format(BenchmarkReport.since(start)));
            start = System.nanoTime();
            IncreaseResult more = fleet.increase(450);
            BenchmarkReport.row("Fleet (test driver)", "Increase(450) up to 500: " + more.succeeded() + " created",
                    BenchmarkReport.format(BenchmarkReport.since(start)));
            if (!made.isComplete() || !more.isComplete()) { // the numbers would not mean what they say
                throw new IllegalStateException(made.aggregatedError() + " / " + more.aggregatedError());
            }

            start = System.nanoTime();
            List<FleetInstance> first = fleet.update();
            BenchmarkReport.row("Fleet (test driver)", "Update with " + first.size() + " instances, first (connect info + probe each)",
                    BenchmarkReport.format(BenchmarkReport.since(start)));
            List<Duration> steady = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                start = System.nanoTime();
                fleet.update();
                steady.add(BenchmarkReport.since(start));
            }
            BenchmarkReport.row("Fleet (test driver)", "Update with 500 instances, steady state", BenchmarkReport.summary(steady));
            fleet.close();
        }
    }
}
