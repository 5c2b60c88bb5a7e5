package io.sandboxer.core.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class InstanceNameTest {
    private static final Instant BOOT = Instant.parse("2026-11-22T08:15:30Z");
    private static final Instant CREATED = Instant.parse("2026-11-22T09:01:02Z");

    @Test
    void formatIsPrefixBootCreatedSuffix() {
        InstanceName name = new InstanceName("gitlab-runner", BOOT, CREATED, "0a1b2c");
        assertEquals("gitlab-runner-20261122-081530-20261122-090102-0a1b2c", name.format());
        assertTrue(name.format().length() <= 63, "a DNS label");
    }

    @Test
    void macComesFromTheSuffix() {
        InstanceName name = new InstanceName("gitlab-runner", BOOT, CREATED, "0a1b2c");
        assertEquals("52:54:00:0a:1b:2c", name.macAddress());
        assertEquals(Optional.of("52:54:00:0a:1b:2c"), InstanceName.macAddressOf(name.format()));
    }

    @Test
    void parseRoundTripsAndChecksThePrefix() {
        InstanceName name = new InstanceName("ci", BOOT, CREATED, "ffffff");
        assertEquals(Optional.of(name), InstanceName.parse(name.format(), "ci"));
        assertEquals(Optional.empty(), InstanceName.parse(name.format(), "gitlab-runner"));
        assertEquals(Optional.empty(), InstanceName.parse("ci-garbage", "ci"));
        assertEquals(Optional.empty(), InstanceName.parse("ci-20261399-081530-20261122-090102-ffffff", "ci"), "month 13");
    }

    @Test
    void prefixesThatCannotBeDnsLabelsAreRefused() {
        for (String bad : new String[] {"", "Upper", "-lead", "trail-", "has_underscore", "has space", "a".repeat(23)}) {
            assertThrows(IllegalArgumentException.class, () -> new InstanceName(bad, BOOT, CREATED, "000000"), bad);
        }
    }

    @Test
    void namerNeverRepeatsASuffixEvenWithAWeakRandomSource() {
        // A random source that keeps producing the same bytes must not yield duplicate names.
        var namer = new InstanceNamer("gitlab-runner", BOOT, Clock.fixed(CREATED, ZoneOffset.UTC), new SplittableRandom(7));
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 5000; i++) {
            assertTrue(names.add(namer.next(Set.of()).format()));
        }
    }

    @Test
    void namerAvoidsSuffixesAlreadyTakenInTheBackend() {
        var fixed = new RandomGenerator() {
            int calls;

            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public void nextBytes(byte[] bytes) {
                bytes[0] = 0;
                bytes[1] = 0;
                bytes[2] = (byte) (calls++ < 3 ? 1 : 2);
            }
        };
        var namer = new InstanceNamer("gitlab-runner", BOOT, Clock.fixed(CREATED, ZoneOffset.UTC), fixed);
        InstanceName name = namer.next(Set.of("gitlab-runner-20250101-000000-20250101-000000-000001"));
        assertEquals("000002", name.suffix());
    }
}
