package io.sandboxer.core.credentials;

/** A key, password or hash could not be read or made. The message names the input, never its secret content. */
public class CredentialException extends RuntimeException {
    public CredentialException(String message) {
        super(message);
    }

    public CredentialException(String message, Throwable cause) {
        super(message, cause);
    }
}
