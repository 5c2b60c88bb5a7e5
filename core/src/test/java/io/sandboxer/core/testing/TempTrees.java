package io.sandboxer.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Temporary directories that live as long as the test JVM and are removed, whole, when it exits: for fixtures
 * shared by many tests, where {@code @TempDir} does not fit. {@code File.deleteOnExit} cannot do this: it removes
 * in reverse order of registration and never a non-empty directory.
 */
public final class TempTrees {
    private TempTrees() {
    }

    public static Path create(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir), "delete " + dir));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> tree = Files.walk(dir)) {
            tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // already gone, or unreadable: nothing more a shutdown hook can do
        }
    }
}
