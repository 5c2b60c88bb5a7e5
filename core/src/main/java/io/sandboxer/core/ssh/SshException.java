package io.sandboxer.core.ssh;

/** An SSH operation failed; {@link #kind()} says at which point. */
public class SshException extends RuntimeException {

    public enum Kind {
        /** TCP connect or handshake failed (host down, port closed, timeout). */
        CONNECT,
        /** The server's host key is not the pinned one. */
        HOST_KEY,
        /** The server refused the credential. */
        AUTH,
        /** The channel or connection broke during exec or upload. */
        CHANNEL,
        /** {@link SshSession#cancel()} was called. */
        CANCELLED,
        /** A readiness wait ran out of time. */
        TIMEOUT
    }

    private final Kind kind;

    public SshException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
