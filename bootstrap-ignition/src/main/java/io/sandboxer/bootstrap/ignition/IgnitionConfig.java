package io.sandboxer.bootstrap.ignition;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The subset of the Ignition 3.x config schema sandboxer writes, as records. Field names are the spec's own
 * (camelCase); absent values are omitted.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record IgnitionConfig(Ignition ignition, Passwd passwd, Storage storage, Systemd systemd) {

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Ignition(String version) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Passwd(List<User> users) {
    }

    /** A user: created, or modified when the image already has it (Flatcar's {@code core}). */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record User(String name, String passwordHash, List<String> sshAuthorizedKeys, List<String> groups, String shell) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Storage(List<File> files) {
    }

    /** A file; {@code mode} is decimal in JSON, as the spec requires (0644 octal = 420). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record File(String path, Boolean overwrite, Integer mode, Contents contents, NodeUser user) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Contents(String source, String compression) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NodeUser(String name) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Systemd(List<Unit> units) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Unit(String name, Boolean enabled, String contents) {
    }
}
