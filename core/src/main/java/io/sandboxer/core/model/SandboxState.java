package io.sandboxer.core.model;

/**
 * Life cycle of a sandbox as the backend reports it. {@code RUNNING} from a provider means the machine
 * runs; the {@code Fleet} only reports it as running to adapters once SSH answers.
 */
public enum SandboxState {
    CREATING,
    RUNNING,
    DELETING,
    DELETED,
    FAILED;

    public boolean isTerminal() {
        return this == DELETED || this == FAILED;
    }
}
