package io.sandboxer.core.training;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the launchers' AOT training runs share: a scratch directory holding a libvirt test-driver node (an in-memory
 * hypervisor with a network of loopback addresses and a pool with a base volume; the XML ships in backend-libvirt),
 * removed on close. Nothing here reaches a real hypervisor.
 */
public final class TrainingNode implements AutoCloseable {
    private static final String NODE_RESOURCE = "/sandboxer-training/test-node.xml";
    private final Path dir;

    private TrainingNode(Path dir) {
        this.dir = dir;
    }

    /** A fresh node; empty when the libvirt backend (which carries the node's XML) is not on the class path. */
    public static Optional<TrainingNode> create() throws IOException {
        try (InputStream in = TrainingNode.class.getResourceAsStream(NODE_RESOURCE)) {
            if (in == null) {
                return Optional.empty();
            }
            Path dir = Files.createTempDirectory("sandboxer-aot-training");
            Files.write(dir.resolve("node.xml"), in.readAllBytes());
            return Optional.of(new TrainingNode(dir));
        }
    }

    /** The libvirt URI of the node. */
    public String uri() {
        return "test://" + dir.resolve("node.xml");
    }

    /** Backend settings for this node's pool, base volume and network, with a state directory inside the scratch one. */
    public String libvirtSettings(String extraJsonFields) {
        return """
                {"provider": "libvirt", "uri": "%s", "pool_name": "pool", "base_volume_name": "base.qcow2",
                 "network_name": "default", "state_dir": "%s", "domain_type": "qemu"%s}""".formatted(uri(), dir.resolve("state"),
                extraJsonFields.isEmpty() ? "" : ", " + extraJsonFields);
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
