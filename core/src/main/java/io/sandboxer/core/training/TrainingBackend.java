package io.sandboxer.core.training;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * What the launchers' AOT training runs share: a backend that reaches no real hypervisor or cluster, as the backend
 * on the class path ships it under {@code /sandboxer-training/} (the libvirt backend: its in-memory test driver).
 * There, {@code settings.json} is a settings file whose {@code @DIR@} stands for a scratch directory, and
 * {@code files} names the resources copied into it. The scratch directory is removed on close. Core knows none of
 * the backend's keys.
 */
public final class TrainingBackend implements AutoCloseable {
    private static final String ROOT = "/sandboxer-training/";
    /** Scratch directories are named {@code sandboxer-aot-training-<pid>-<random>}: whose they are stays visible. */
    public static final String PREFIX = "sandboxer-aot-training-";
    private final Path dir;
    private final String settings;

    private TrainingBackend(Path dir, String settings) {
        this.dir = dir;
        this.settings = settings;
    }

    /** A fresh scratch backend; empty when no backend on the class path ships training resources. */
    public static Optional<TrainingBackend> create() throws IOException {
        String template = resource("settings.json");
        String files = resource("files");
        if (template == null || files == null) {
            return Optional.empty();
        }
        Path dir = Files.createTempDirectory(PREFIX + ProcessHandle.current().pid() + "-");
        TrainingBackend backend = new TrainingBackend(dir, template.replace("@DIR@", dir.toString()));
        try {
            for (String name : files.strip().split("\\s+")) {
                String content = name.contains("/") ? null : resource(name);
                if (content == null) {
                    throw new IOException("training resource " + name + " is missing or not a plain name");
                }
                Files.writeString(dir.resolve(name), content);
            }
        } catch (IOException | RuntimeException e) {
            backend.close();
            throw e;
        }
        return Optional.of(backend);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = TrainingBackend.class.getResourceAsStream(ROOT + name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * The process whose training made the scratch directory DIR, by its name; empty for any other name. A directory
     * whose process has ended is a leftover: a training removes its directory before it exits.
     */
    public static OptionalLong owner(Path dir) {
        String name = dir.getFileName().toString();
        if (!name.startsWith(PREFIX)) {
            return OptionalLong.empty();
        }
        String rest = name.substring(PREFIX.length());
        int dash = rest.indexOf('-');
        try {
            return dash > 0 ? OptionalLong.of(Long.parseLong(rest.substring(0, dash))) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The backend's settings (JSON), pointing into the scratch directory. */
    public String settings() {
        return settings;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove " + dir, e);
        }
    }
}
