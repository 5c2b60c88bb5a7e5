package io.sandboxer.backend.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sandboxer.core.fleet.Fleet;
import io.sandboxer.core.fleet.FleetSettings;
import io.sandboxer.core.group.SweepPolicy;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up sweep of older boot generations, through the real libvirt provider on the test driver. */
class FleetOnLibvirtTest {
    @TempDir
    Path dir;

    @Test
    void aLaterGenerationSweepsWhatAnEarlierOneLeft() {
        TestDriver.Config config = TestDriver.config(dir);
        LibvirtConnection connection = new LibvirtConnection(config.settings().uri());
        Clock first = Clock.fixed(Instant.parse("2026-11-22T08:00:00Z"), ZoneOffset.UTC);
        Clock second = Clock.fixed(Instant.parse("2026-11-22T09:00:00Z"), ZoneOffset.UTC);
        try {
            var oldProvider = new LibvirtProvider(config.settings(), config.group(), connection, first);
            var oldFleet = new Fleet(oldProvider, new FleetSettings("gitlab-runner", 5, 2, SweepPolicy.DELETE),
                    name -> SandboxSpec.builder(name.format()).build(), info -> true, first);
            List<String> old = oldFleet.increase(2).created();
            oldFleet.close();

            var newProvider = new LibvirtProvider(config.settings(), config.group(), connection, second);
            var newFleet = new Fleet(newProvider, new FleetSettings("gitlab-runner", 5, 2, SweepPolicy.DELETE),
                    name -> SandboxSpec.builder(name.format()).build(), info -> true, second);
            List<String> fresh = newFleet.increase(1).created();
            assertEquals(Set.copyOf(old), Set.copyOf(newFleet.start().deleted()));
            assertEquals(Set.copyOf(fresh), newProvider.list().stream().map(Sandbox::id).collect(Collectors.toSet()));
            assertTrue(fresh.get(0).startsWith("gitlab-runner-20261122-090000-"), fresh.get(0));
            newFleet.close();
        } finally {
            connection.close();
        }
    }
}
