package io.sandboxer.backend.libvirt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sandboxer.core.bootstrap.OsFamily;
import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.credentials.SshPrivateKey;
import io.sandboxer.core.credentials.SshPublicKey;
import io.sandboxer.core.model.ConnectProtocol;
import io.sandboxer.core.model.Credential;
import io.sandboxer.core.model.SandboxAccess;
import io.sandboxer.core.provider.SandboxException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Keeps each sandbox's login credential in {@code <state_dir>/<id>.access.json}, mode 0600, written atomically,
 * so a later process (the next custom-executor stage, a restarted plugin) can log in. Never logged.
 */
final class AccessStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUFFIX = ".access.json";
    private static final String PART_SUFFIX = SUFFIX + ".part";
    private final Path dir;

    AccessStore(Path dir) {
        this.dir = dir;
    }

    Path fileFor(String id) {
        return dir.resolve(id + SUFFIX);
    }

    /**
     * The one name a half-written file can have: a process killed between create and rename leaves exactly this,
     * so {@link #delete} and {@link #ids} (the start-up sweep) find it by the sandbox's id, never by guessing.
     */
    private Path partFileFor(String id) {
        return dir.resolve("." + id + SUFFIX + ".part");
    }

    void save(String id, SandboxAccess access) {
        save(id, access, null);
    }

    /** With the public half of the host key the bootstrap injected, so clients can pin it. */
    void save(String id, SandboxAccess access, SshPublicKey hostKey) {
        ObjectNode node = JSON.createObjectNode()
                .put("os", access.os().jsonName())
                .put("protocol", access.protocol().jsonName())
                .put("port", access.port())
                .put("user", access.user());
        switch (access.credential()) {
            case Credential.PrivateKey key -> node.put("private_key", key.key().text().reveal());
            case Credential.Password password -> node.put("password", password.password().reveal());
        }
        if (hostKey != null) {
            node.put("host_key", hostKey.authorizedKeysLine());
        }
        try {
            Files.createDirectories(dir);
            // Only the process creating a sandbox writes its file, so a fixed part name cannot race; one left by a
            // killed writer is replaced, and created afresh so it is 0600 from its first byte.
            Path temp = partFileFor(id);
            Files.deleteIfExists(temp);
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(temp, JSON.writeValueAsBytes(node), StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(temp, fileFor(id), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new SandboxException("cannot store the credentials of " + id + " under " + dir + ": " + e.getMessage(), false, e);
        }
    }

    /** The pinned host key recorded for a sandbox, if the bootstrap injected one. */
    Optional<SshPublicKey> hostKey(String id) {
        Path file = fileFor(id);
        try {
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            var node = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            return node.hasNonNull("host_key") ? Optional.of(SshPublicKey.parse(node.get("host_key").asText()))
                    : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Ids that have a credentials file here, whole or half-written. */
    List<String> ids() {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).<String>mapMulti((n, ids) -> {
                if (n.startsWith(".") && n.endsWith(PART_SUFFIX)) {
                    ids.accept(n.substring(1, n.length() - PART_SUFFIX.length()));
                } else if (!n.startsWith(".") && n.endsWith(SUFFIX)) {
                    ids.accept(n.substring(0, n.length() - SUFFIX.length()));
                }
            }).distinct().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    Optional<SandboxAccess> load(String id) {
        Path file = fileFor(id);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            var node = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            Credential credential = node.hasNonNull("private_key")
                    ? new Credential.PrivateKey(SshPrivateKey.parse(Secret.of(node.get("private_key").asText()), null, "stored key of " + id))
                    : new Credential.Password(Secret.of(node.get("password").asText()));
            OsFamily os = "windows".equals(node.path("os").asText()) ? OsFamily.WINDOWS : OsFamily.LINUX;
            ConnectProtocol protocol = "winrm".equals(node.path("protocol").asText()) ? ConnectProtocol.WINRM : ConnectProtocol.SSH;
            return Optional.of(new SandboxAccess(os, protocol, node.path("port").asInt(22), node.get("user").asText(), credential));
        } catch (IOException | RuntimeException e) {
            throw new SandboxException("the stored credentials of " + id + " in " + file + " cannot be read: " + e.getMessage(), false, e);
        }
    }

    /** When the sandbox's credentials file (or its half-written one) last changed; the epoch if neither exists. */
    Instant changedAt(String id) {
        Instant latest = Instant.EPOCH;
        for (Path file : List.of(fileFor(id), partFileFor(id))) {
            try {
                Instant changed = Files.getLastModifiedTime(file).toInstant();
                latest = changed.isAfter(latest) ? changed : latest;
            } catch (IOException e) {
                // absent: says nothing about the age
            }
        }
        return latest;
    }

    /** Removes the file and any half-written one; true if either existed. */
    boolean delete(String id) throws IOException {
        boolean part = Files.deleteIfExists(partFileFor(id));
        return Files.deleteIfExists(fileFor(id)) | part;
    }
}
