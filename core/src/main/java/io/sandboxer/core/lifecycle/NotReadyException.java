package io.sandboxer.core.lifecycle;

/** One attempt of a {@link WaitStrategy} found the sandbox not ready yet; the wait tries again. */
public final class NotReadyException extends RuntimeException {
    public NotReadyException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
