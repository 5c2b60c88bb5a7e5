package io.sandboxer.backend.libvirt;

import io.sandboxer.core.provider.SandboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The lock a relabel (a pool claim) holds while it reads a domain's labels and writes the new ones: libvirt's metadata
 * has no compare-and-set, so the check and the write are made one step under an exclusive {@code flock} of
 * {@code <state_dir>/pool-claims.lock}. The kernel releases it when its process dies, whenever that happens, so a killed
 * claim never leaves the lock held; the write is one libvirt call, so it leaves the labels old or new, never half.
 * Every process that can use a sandbox shares its state directory (its credentials are there), so the lock covers
 * every claimant that could win. A JVM lock orders this process's own threads (flock is per open file, not per thread).
 */
final class ClaimLock {
    static final String FILE = "pool-claims.lock";
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();

    private final Path file;

    ClaimLock(Path stateDir) {
        this.file = stateDir.resolve(FILE);
    }

    <T> T holding(Supplier<T> work) {
        IN_PROCESS.lock();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = channel.lock()) {
            return work.get();
        } catch (IOException e) {
            throw new SandboxException("cannot lock " + file + " for a pool claim: " + e.getMessage(), true, e);
        } finally {
            IN_PROCESS.unlock();
        }
    }
}
