package io.sandboxer.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A file or directory among core's test resources as a real path. Other modules read these resources from
 * core's test-jar, where they are zip entries: those are copied to a temporary directory once.
 */
public final class TestResources {
    private static final Map<String, Path> EXTRACTED = new ConcurrentHashMap<>();

    private TestResources() {
    }

    public static Path path(String resource) {
        String name = resource.startsWith("/") ? resource : "/" + resource;
        URL url = TestResources.class.getResource(name);
        if (url == null) {
            throw new IllegalArgumentException("no test resource " + name);
        }
        try {
            URI uri = url.toURI();
            if ("file".equals(uri.getScheme())) {
                return Path.of(uri);
            }
            return EXTRACTED.computeIfAbsent(name, n -> extract(uri, n));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Path extract(URI jarUri, String name) {
        try {
            FileSystem zip;
            try {
                zip = FileSystems.newFileSystem(jarUri, Map.of());
            } catch (FileSystemAlreadyExistsException e) {
                zip = FileSystems.getFileSystem(jarUri);
            }
            Path source = zip.getPath(name);
            Path target = TempTrees.create("sandboxer-test-resources").resolve(source.getFileName().toString());
            try (Stream<Path> tree = Files.walk(source)) {
                for (Path p : (Iterable<Path>) tree::iterator) {
                    Path out = target.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(out);
                    } else {
                        Files.createDirectories(out.getParent());
                        Files.copy(p, out);
                    }
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract test resource " + name, e);
        }
    }
}
