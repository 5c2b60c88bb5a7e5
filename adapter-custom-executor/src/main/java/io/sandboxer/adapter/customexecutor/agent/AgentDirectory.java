package io.sandboxer.adapter.customexecutor.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the job connection agents live: one 0700 directory per user ({@code $SANDBOXER_AGENT_DIR}, else
 * {@code $XDG_RUNTIME_DIR/sandboxer}, else {@code /tmp/sandboxer-agent-<uid>}), and in it one 0700 directory per job,
 * named after the job's sandbox, holding the agent's socket, its pid, its log and, while prepare runs, the control
 * socket prepare and the agent talk over. Only the user that owns the
 * directory can reach a socket in it; a directory that is a symlink, another user's, or open to others is refused.
 */
public final class AgentDirectory {
    static final String SOCKET = "agent.sock";
    static final String PID = "agent.pid";
    static final String LOG = "agent.log";
    /** prepare's end of its link with the agent it starts (see {@link ControlLink}); the longest name here. */
    static final String CONTROL = "control.sock";
    /** sun_path holds 108 bytes with its terminating NUL on Linux; longer socket paths cannot be bound. */
    private static final int MAX_SOCKET_PATH = 107;
    private static final Pattern NAME = Pattern.compile("^[a-z0-9-]{1,63}$");
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private final Path base;

    private AgentDirectory(Path base) {
        this.base = base;
    }

    /** The base directory the environment names (not created yet). */
    public static AgentDirectory from(Map<String, String> env) {
        String explicit = env.get("SANDBOXER_AGENT_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return new AgentDirectory(Path.of(explicit));
        }
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null && runtime.startsWith("/") && Files.isDirectory(Path.of(runtime))) {
            return new AgentDirectory(Path.of(runtime, "sandboxer"));
        }
        return new AgentDirectory(Path.of("/tmp", "sandboxer-agent-" + uid()));
    }

    public Path base() {
        return base;
    }

    /** The base directory, made (0700) when missing: for the files of this user's driver that are no job's (the pool's refill). */
    public Path privateBase() throws IOException {
        ensurePrivateDirectory(base);
        return base;
    }

    /** The job's directory, made (0700) together with the base when missing; unusable directories throw, saying why. */
    public Job create(String sandbox) throws IOException {
        Path dir = jobPath(sandbox);
        ensurePrivateDirectory(base);
        ensurePrivateDirectory(dir);
        return new Job(sandbox, dir);
    }

    /** The job's directory if it exists and is private; it is not created. */
    public Optional<Job> find(String sandbox) throws IOException {
        Path dir = jobPath(sandbox);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        checkPrivate(base);
        checkPrivate(dir);
        return Optional.of(new Job(sandbox, dir));
    }

    /** Every job directory present (for {@code gc}); none when the base is missing. */
    public List<Job> jobs() throws IOException {
        if (!Files.isDirectory(base, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        checkPrivate(base);
        List<Job> jobs = new ArrayList<>();
        try (Stream<Path> entries = Files.list(base)) {
            for (Path entry : entries.sorted().toList()) {
                String name = entry.getFileName().toString();
                if (NAME.matcher(name).matches() && Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    jobs.add(new Job(name, entry));
                }
            }
        }
        return jobs;
    }

    private Path jobPath(String sandbox) throws IOException {
        if (!NAME.matcher(sandbox).matches()) {
            throw new IllegalArgumentException("\"" + sandbox + "\" is not a sandbox name");
        }
        Path dir = base.resolve(sandbox);
        int length = dir.resolve(CONTROL).toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_SOCKET_PATH) {
            throw new IOException("the agent socket path " + dir.resolve(CONTROL) + " is " + length + " bytes; a Unix socket path holds at most "
                    + MAX_SOCKET_PATH + " (set SANDBOXER_AGENT_DIR to a shorter directory)");
        }
        return dir;
    }

    private static void ensurePrivateDirectory(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            Files.setPosixFilePermissions(dir, OWNER_ONLY); // the umask may have taken bits the attribute asked for
        } catch (FileAlreadyExistsException e) {
            checkPrivate(dir);
        }
    }

    private static void checkPrivate(Path dir) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isDirectory()) {
            throw new IOException(dir + " is not a directory" + (attributes.isSymbolicLink() ? " (a symlink)" : ""));
        }
        String me = System.getProperty("user.name");
        if (!attributes.owner().getName().equals(me)) {
            throw new IOException(dir + " belongs to " + attributes.owner().getName() + ", not to " + me);
        }
        if (!attributes.permissions().equals(OWNER_ONLY)) {
            throw new IOException(dir + " has mode " + PosixFilePermissions.toString(attributes.permissions()) + "; it must be rwx------");
        }
    }

    private static String uid() {
        try {
            return Files.getAttribute(Path.of("/proc/self/"), "unix:uid").toString();
        } catch (IOException | UnsupportedOperationException e) {
            return System.getProperty("user.name");
        }
    }

    /** One job's agent directory: its socket, pid file, log and control socket. */
    public record Job(String sandbox, Path dir) {
        public Path socket() {
            return dir.resolve(SOCKET);
        }

        public Path pidFile() {
            return dir.resolve(PID);
        }

        public Path log() {
            return dir.resolve(LOG);
        }

        public Path control() {
            return dir.resolve(CONTROL);
        }

        /** The agent's process, if its pid file names one that is alive and is a sandboxer agent of this job. */
        public Optional<ProcessHandle> process() {
            try {
                long pid = Long.parseLong(Files.readString(pidFile()).strip());
                return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                        .filter(p -> p.info().arguments().map(args -> List.of(args).contains(sandbox)).orElse(true));
            } catch (IOException | NumberFormatException e) {
                return Optional.empty();
            }
        }

        /** How long ago the directory was made or last changed (zero when unreadable: then it counts as new). */
        public Duration age() {
            try {
                return Duration.between(Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toInstant(), Instant.now());
            } catch (IOException e) {
                return Duration.ZERO;
            }
        }

        /** Removes the directory and what is in it (the agent is gone or going). */
        public void delete() {
            for (Path file : List.of(socket(), pidFile(), dir.resolve(PID + ".new"), log(), control())) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // the directory removal below says what is left
                }
            }
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // gc tries again
            }
        }
    }
}
