package io.sandboxer.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Golden-file comparison: the rendered text must equal {@code src/test/resources/golden/<name>} of the module
 * under test. Run with {@code -Dgolden.update=true} to rewrite the files after an intended change, then review
 * the diff.
 */
public final class Golden {
    private Golden() {
    }

    public static void assertMatches(String name, byte[] actual) {
        Path file = Path.of("src/test/resources/golden", name);
        String text = new String(actual, StandardCharsets.UTF_8);
        try {
            if (Boolean.getBoolean("golden.update")) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, text);
            }
            if (!Files.exists(file)) {
                throw new AssertionError("golden file " + file.toAbsolutePath() + " is missing: run with -Dgolden.update=true and review it");
            }
            assertEquals(Files.readString(file), text, "rendered output differs from golden file " + file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
