package io.sandboxer.adapter.fleeting;

/** The plugin cannot start as the host asked; the message is what the runner log should show. */
final class PluginStartException extends RuntimeException {
    PluginStartException(String message) {
        super(message);
    }

    PluginStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
