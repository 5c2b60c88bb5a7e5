package io.sandboxer.core.group;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.random.RandomGenerator;

/** Hands out unique instance names for one boot generation; thread-safe. */
public final class InstanceNamer {
    private final String prefix;
    private final Instant bootGeneration;
    private final Clock clock;
    private final RandomGenerator random;
    private final Set<String> issuedSuffixes = new HashSet<>();

    public InstanceNamer(String prefix, Instant bootGeneration, Clock clock, RandomGenerator random) {
        this.prefix = prefix;
        this.bootGeneration = bootGeneration;
        this.clock = clock;
        this.random = random;
        new InstanceName(prefix, bootGeneration, bootGeneration, "000000"); // validates the prefix now
    }

    public InstanceNamer(String prefix, Instant bootGeneration, Clock clock) {
        this(prefix, bootGeneration, clock, new SecureRandom());
    }

    /**
     * A name whose suffix (and so MAC address) is not used by any name this namer issued nor by any name in
     * {@code taken}.
     */
    public synchronized InstanceName next(Set<String> taken) {
        Set<String> takenSuffixes = new HashSet<>(issuedSuffixes);
        for (String name : taken) {
            int dash = name.lastIndexOf('-');
            if (dash >= 0) {
                takenSuffixes.add(name.substring(dash + 1));
            }
        }
        for (int attempt = 0; attempt < 1000; attempt++) {
            byte[] bytes = new byte[3];
            random.nextBytes(bytes);
            String suffix = HexFormat.of().formatHex(bytes);
            if (!takenSuffixes.contains(suffix)) {
                issuedSuffixes.add(suffix);
                return new InstanceName(prefix, bootGeneration, clock.instant(), suffix);
            }
        }
        throw new IllegalStateException("no free instance name suffix after 1000 attempts");
    }

    public String prefix() {
        return prefix;
    }

    public Instant bootGeneration() {
        return bootGeneration;
    }
}
