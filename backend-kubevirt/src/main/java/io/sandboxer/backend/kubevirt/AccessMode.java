package io.sandboxer.backend.kubevirt;

import com.fasterxml.jackson.annotation.JsonValue;

/** How SSH reaches a guest. */
public enum AccessMode {
    /** pod-ip inside the cluster, port-forward outside (decided by KUBERNETES_SERVICE_HOST). */
    AUTO("auto"),
    /** The VMI's pod IP: only routable from inside the cluster. */
    POD_IP("pod-ip"),
    /** A local TCP port tunnelled through KubeVirt's portforward subresource (WebSocket through the API server). */
    PORT_FORWARD("port-forward");

    private final String jsonName;

    AccessMode(String jsonName) {
        this.jsonName = jsonName;
    }

    @JsonValue
    public String jsonName() {
        return jsonName;
    }
}
