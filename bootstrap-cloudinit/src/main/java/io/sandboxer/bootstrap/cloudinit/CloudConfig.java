package io.sandboxer.bootstrap.cloudinit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * The subset of cloud-init's {@code #cloud-config} schema sandboxer writes, as records (snake_case names as
 * cloud-init spells them). The Windows variant uses the same document with Cloudbase-Init's subset.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"hostname", "set_hostname", "preserve_hostname", "manage_etc_hosts", "users", "chpasswd", "ssh_pwauth", "ssh_deletekeys", "ssh_genkeytypes", "ssh_keys",
        "ca_certs", "write_files", "runcmd"})
public record CloudConfig(
        String hostname,
        /** Cloudbase-Init's spelling (Windows); cloud-init uses {@code hostname}. */
        @JsonProperty("set_hostname") String setHostname,
        @JsonProperty("preserve_hostname") Boolean preserveHostname,
        /** {@code localhost}: the hostname resolves (sudo, build tools and InetAddress.getLocalHost() expect it). */
        @JsonProperty("manage_etc_hosts") String manageEtcHosts,
        List<User> users,
        Chpasswd chpasswd,
        @JsonProperty("ssh_pwauth") Boolean sshPwauth,
        @JsonProperty("ssh_deletekeys") Boolean sshDeletekeys,
        @JsonProperty("ssh_genkeytypes") @JsonInclude(JsonInclude.Include.NON_NULL) List<String> sshGenkeytypes,
        @JsonProperty("ssh_keys") Map<String, String> sshKeys,
        @JsonProperty("ca_certs") CaCerts caCerts,
        @JsonProperty("write_files") List<WriteFile> writeFiles,
        List<List<String>> runcmd) {

    /**
     * A user. {@code groups} is a list for cloud-init and a comma-separated string for Cloudbase-Init, so the
     * field holds either.
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    @JsonPropertyOrder({"name", "groups", "sudo", "shell", "lock_passwd", "passwd", "ssh_authorized_keys"})
    public record User(
            String name,
            Object groups,
            String sudo,
            String shell,
            @JsonProperty("lock_passwd") @JsonInclude(JsonInclude.Include.NON_NULL) Boolean lockPasswd,
            String passwd,
            @JsonProperty("ssh_authorized_keys") List<String> sshAuthorizedKeys) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Chpasswd(Boolean expire) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record CaCerts(List<String> trusted) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"path", "encoding", "content", "permissions", "owner"})
    public record WriteFile(String path, String encoding, String content, String permissions, String owner) {
    }
}
