package io.sandboxer.adapter.customexecutor;

/** A stage cannot do its job for a reason outside the build script: the driver exits with the system-failure code. */
class StageException extends RuntimeException {
    StageException(String message) {
        super(message);
    }

    StageException(String message, Throwable cause) {
        super(message, cause);
    }
}
