package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.credentials.Secret;
import io.sandboxer.core.errors.UserMessages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where a fixed SSH password comes from: {@code --ssh-password} (the KubeVirt Go tool's flag, kept for drop-in use,
 * but any local user sees it in {@code ps}, so using it warns), {@code --ssh-password-file} or the runner's
 * environment variable {@code SANDBOXER_SSH_PASSWORD} (not a job variable: jobs cannot set it). At most one.
 */
final class SshPasswordSource {
    static final String ENVIRONMENT = "SANDBOXER_SSH_PASSWORD";

    private SshPasswordSource() {
    }

    /** Said whenever {@code --ssh-password} is used (by the option itself, as soon as picocli reads it). */
    static void warnVisible() {
        Diagnostics.warn("--ssh-password is visible to every local user (ps, /proc); "
                + "use --ssh-password-file FILE (mode 0600) or the runner's environment variable " + ENVIRONMENT + " instead");
    }

    static Optional<Secret> resolve(String flag, Path file, RunnerEnvironment env) {
        Optional<String> fromEnv = env.runner(ENVIRONMENT);
        List<String> given = new ArrayList<>();
        if (flag != null) {
            given.add("--ssh-password");
        }
        if (file != null) {
            given.add("--ssh-password-file");
        }
        fromEnv.ifPresent(v -> given.add(ENVIRONMENT));
        if (given.size() > 1) {
            throw new StageException("give one SSH password source, not " + String.join(" and ", given));
        }
        if (flag != null) {
            return Optional.of(nonEmpty(flag, "--ssh-password"));
        }
        if (file != null) {
            return Optional.of(nonEmpty(read(file), "--ssh-password-file " + file));
        }
        return fromEnv.map(v -> nonEmpty(v, ENVIRONMENT));
    }

    private static String read(Path file) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)) {
                Diagnostics.warn("--ssh-password-file " + file + " can be read by other users; chmod 600 it");
            }
        } catch (IOException | UnsupportedOperationException e) {
            // the read below reports what matters
        }
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            return text.endsWith("\r\n") ? text.substring(0, text.length() - 2) : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        } catch (IOException e) {
            throw new StageException("--ssh-password-file " + file + " cannot be read: " + UserMessages.of(e), e);
        }
    }

    private static Secret nonEmpty(String value, String source) {
        if (value.isEmpty()) {
            throw new StageException(source + " is empty: a guest user needs a password of at least one character");
        }
        return Secret.of(value);
    }
}
