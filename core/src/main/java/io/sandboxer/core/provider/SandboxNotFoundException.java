package io.sandboxer.core.provider;

/** No sandbox with this id exists in the group (never created, or already deleted). */
public class SandboxNotFoundException extends SandboxException {
    private final String id;

    public SandboxNotFoundException(String id) {
        super("sandbox \"" + id + "\" does not exist", false);
        this.id = id;
    }

    public String id() {
        return id;
    }
}
