package io.sandboxer.core.provider;

/**
 * A backend operation failed. {@link #isRetryable()} tells callers whether the same call may succeed later
 * (a dropped connection, a busy API) or will fail the same way (bad settings, an image that does not exist).
 */
public class SandboxException extends RuntimeException {
    private final boolean retryable;

    public SandboxException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public SandboxException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean isRetryable() {
        return retryable;
    }
}
