package io.sandboxer.core.group;

import com.fasterxml.jackson.annotation.JsonValue;

/** What a starting {@link Fleet} does with instances an earlier process (an older boot generation) left. */
public enum SweepPolicy {
    /** Delete them, as the libvirt Go plugin does: the runner lost track of them anyway. */
    DELETE("delete"),
    /** Keep them and manage them as this fleet's own (useful with the runner's state_storage). */
    ADOPT("adopt");

    private final String jsonName;

    SweepPolicy(String jsonName) {
        this.jsonName = jsonName;
    }

    @JsonValue
    public String jsonName() {
        return jsonName;
    }
}
