package io.sandboxer.core.errors;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * What a failure says to a user: its own words, never a Java class name. Both adapters end every stage or call
 * with one of these, so an operator reads "permission denied", not {@code java.nio.file.AccessDeniedException}.
 */
public final class UserMessages {
    private UserMessages() {
    }

    public static String of(Throwable e) {
        if (e instanceof IOException io) {
            return of(io);
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            Throwable cause = e.getCause();
            return cause != null && cause != e ? of(cause)
                    : "an unexpected internal error (" + kind(e) + "); this is a bug in sandboxer, please report it with the log";
        }
        return message;
    }

    /** An I/O failure in words: the path's own message carries only the path, which the caller already names. */
    public static String of(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof CharacterCodingException) {
            return "not text in the expected encoding";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason().toLowerCase(Locale.ROOT);
        }
        return e.getMessage() == null || e.getMessage().isBlank() ? "an I/O error" : e.getMessage();
    }

    /** A failure's kind in words, for the rare one without a message. */
    private static String kind(Throwable e) {
        return switch (e) {
            case NullPointerException n -> "a missing value";
            case ArithmeticException a -> "a number out of range";
            case IllegalStateException s -> "an impossible state";
            default -> "no details";
        };
    }
}
