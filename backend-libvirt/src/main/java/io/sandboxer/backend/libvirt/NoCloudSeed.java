package io.sandboxer.backend.libvirt;

import io.sandboxer.core.bootstrap.RenderedBootstrap;
import io.sandboxer.core.provider.SandboxException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Packs the cloud-init parts into a NoCloud seed: an ISO 9660 image with volume label {@code cidata} and
 * Joliet/Rock Ridge names, made by the packaged {@code xorriso} or {@code genisoimage}.
 */
final class NoCloudSeed {
    private NoCloudSeed() {
    }

    /**
     * The parts (user-data may carry a host private key) are written to {@code <state_dir>/.<id>-cidata.work}, 0700:
     * a name the sandbox's delete and the start-up sweep find again if this process is killed mid-build, where a
     * random /tmp directory would keep them for good.
     */
    static byte[] build(RenderedBootstrap parts, Path stateDir, String id) {
        Path work = null;
        try {
            Files.createDirectories(stateDir);
            deleteWork(stateDir, id);
            work = Files.createDirectory(workDir(stateDir, id), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            List<String> names = new ArrayList<>();
            for (Map.Entry<String, byte[]> part : parts.parts().entrySet()) {
                Files.write(work.resolve(part.getKey()), part.getValue());
                names.add(part.getKey());
            }
            Path iso = work.resolve("seed.iso");
            List<String> command = new ArrayList<>(tool());
            command.addAll(List.of("-output", iso.toString(), "-volid", "cidata", "-joliet", "-rock"));
            for (String name : names) {
                command.add(work.resolve(name).toString());
            }
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new SandboxException("building the cloud-init seed ISO failed: " + output.strip(), false);
            }
            return Files.readAllBytes(iso);
        } catch (IOException e) {
            throw new SandboxException("cannot build the cloud-init seed ISO: " + e.getMessage(), false, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while building the cloud-init seed ISO", false, e);
        } finally {
            deleteTree(work);
        }
    }

    private static List<String> tool() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "xorriso"))) {
                return List.of(Path.of(dir, "xorriso").toString(), "-as", "mkisofs");
            }
            if (Files.isExecutable(Path.of(dir, "genisoimage"))) {
                return List.of(Path.of(dir, "genisoimage").toString());
            }
        }
        throw new SandboxException("building a cloud-init seed needs xorriso or genisoimage on this machine: apt-get install xorriso", false);
    }

    static Path workDir(Path stateDir, String id) {
        return stateDir.resolve("." + id + "-cidata.work");
    }

    /** Removes what a killed build left; true if there was something. */
    static boolean deleteWork(Path stateDir, String id) {
        Path work = workDir(stateDir, id);
        if (!Files.exists(work)) {
            return false;
        }
        deleteTree(work);
        return true;
    }

    static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> tree = Files.walk(dir)) {
            tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp directory; nothing secret left in it is worse than an exception here
        }
    }
}
