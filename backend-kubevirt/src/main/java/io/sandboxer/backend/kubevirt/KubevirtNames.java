package io.sandboxer.backend.kubevirt;

/**
 * Every label, annotation and Secret key the backend writes, in one place. Label values cannot hold ':', so
 * times are annotations in epoch seconds.
 */
final class KubevirtNames {
    static final String PREFIX = "sandboxer.io/";
    /** The group (runner configuration) that owns the object: list and GC select by it (equality selectors only). */
    static final String GROUP_LABEL = PREFIX + "group";
    /** The sandbox name, on the VMI and on its Secret. */
    static final String ID_LABEL = PREFIX + "id";
    /** What a Secret holds. */
    static final String KIND_LABEL = PREFIX + "kind";
    static final String KIND_BOOTSTRAP = "bootstrap";
    /** Expiry, epoch seconds. */
    static final String EXPIRES_ANNOTATION = PREFIX + "expires-at";

    static final String SECRET_USERDATA = "userdata";
    static final String SECRET_USER = "user";
    static final String SECRET_PASSWORD = "password";
    static final String SECRET_PRIVATE_KEY = "ssh-privatekey";
    static final String SECRET_HOST_KEY = "ssh-hostkey-public";
    static final String SECRET_OS = "os";
    static final String SECRET_PORT = "ssh-port";

    /** KubeVirt's port-forward subprotocol (client-go subresources/constants.go). */
    static final String PORT_FORWARD_SUBPROTOCOL = "plain.kubevirt.io";

    private KubevirtNames() {
    }

    static String secretName(String sandbox) {
        return sandbox + "-bootstrap";
    }
}
