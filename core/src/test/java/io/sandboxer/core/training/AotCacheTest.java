package io.sandboxer.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AotCacheTest {
    private static final String CACHE = "/usr/lib/sandboxer/aot/sandboxer-25.0.3_9-LTS.aot";

    @Test
    void theCacheIsReadFromTheJvmsCommandLine() {
        assertEquals(Optional.of(CACHE), AotCache.inCommandLine(
                ("/usr/lib/sandboxer/runtime/bin/java\0-XX:+UseSerialGC\0-XX:AOTCache=" + CACHE + "\0-cp\0x\0").getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aTrainingRunOrAPlainStartHasNone() {
        assertEquals(Optional.empty(), AotCache.inCommandLine("java\0-XX:AOTCacheOutput=/tmp/x.aot\0-cp\0x\0".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Optional.empty(), AotCache.inCommandLine("java\0-version\0".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aNamedCacheCountsOnlyWhenTheJvmShares() {
        assertEquals("AOT cache: " + CACHE, AotCache.describe(Optional.of(CACHE), "mixed mode, emulated-client, sharing"));
        assertEquals("AOT cache: none (the JVM refused " + CACHE + ")", AotCache.describe(Optional.of(CACHE), "mixed mode, emulated-client"));
        assertEquals("AOT cache: none", AotCache.describe(Optional.empty(), "mixed mode, sharing"));
    }

    @Test
    void thisTestJvmStartedWithoutOne() {
        assertEquals("AOT cache: none", AotCache.describe());
    }
}
