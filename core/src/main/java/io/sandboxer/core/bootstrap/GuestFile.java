package io.sandboxer.core.bootstrap;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A file written into the guest at first boot. {@code path} is absolute: {@code /etc/...} on Linux,
 * {@code C:/...} on Windows. {@code mode} is octal permissions such as 0644 (ignored on Windows).
 */
public record GuestFile(String path, byte[] content, int mode, String owner) {
    public GuestFile {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/") && !path.matches("^[A-Za-z]:[\\\\/].*")) {
            throw new IllegalArgumentException("guest file path \"" + path + "\" must be absolute");
        }
        content = Objects.requireNonNull(content, "content").clone();
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException("file mode " + Integer.toOctalString(mode) + " is outside 0000..7777");
        }
    }

    public static GuestFile text(String path, String content, int mode) {
        return new GuestFile(path, content.getBytes(StandardCharsets.UTF_8), mode, null);
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GuestFile f && f.path.equals(path) && Arrays.equals(f.content, content) && f.mode == mode
                && Objects.equals(f.owner, owner);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, Arrays.hashCode(content), mode, owner);
    }

    @Override
    public String toString() {
        return "GuestFile[" + path + ", " + content.length + " bytes, mode " + Integer.toOctalString(mode) + "]";
    }
}
