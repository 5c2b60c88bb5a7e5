package io.sandboxer.backend.kubevirt;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.sandboxer.core.credentials.UriPasswords;
import io.sandboxer.core.provider.SandboxException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes API calls with a bounded retry (server errors, throttling, dropped connections: 4 attempts,
 * 0.5 s doubling) and errors turned into messages a user can act on.
 */
final class ApiCalls {
    private static final Logger LOG = LoggerFactory.getLogger(ApiCalls.class);
    static final int ATTEMPTS = 4;
    /** The API server's URL, for "cannot reach" messages (credentials in it masked). */
    private final String server;

    ApiCalls(String server) {
        this.server = UriPasswords.redact(String.valueOf(server));
    }

    <T> T retrying(String action, Supplier<T> call) {
        long delay = 500;
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (KubernetesClientException e) {
                if (!isRetryable(e) || attempt == ATTEMPTS) {
                    throw translate(server, action, e);
                }
                LOG.warn("{} failed (attempt {} of {}): {}; retrying", action, attempt, ATTEMPTS, reason(e));
            }
            try {
                Thread.sleep(delay); // backoff between attempts against a busy API server
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxException(action + " was interrupted", false, e);
            }
            delay *= 2;
        }
    }

    static boolean isRetryable(KubernetesClientException e) {
        int code = e.getCode();
        return code == 0 || code == 429 || code >= 500;
    }

    static SandboxException translate(String server, String action, KubernetesClientException e) {
        int code = e.getCode();
        String reason = reason(e);
        if (code <= 0 && isConnectionFailure(e)) {
            return new SandboxException("cannot reach the Kubernetes API at " + server + " (" + action + "): " + rootCause(e)
                    + "; check the kubeconfig's server and that this machine can connect to it", true, e);
        }
        return switch (code) {
            case 401, 403 -> new SandboxException(action + " is not allowed (" + code + "): " + reason
                    + "; give the service account the Role in docs/kubevirt-rbac.yaml", false, e);
            case 404 -> new SandboxException(action + ": not found (" + reason + "); is KubeVirt installed and the namespace right?", false, e);
            case 409 -> new SandboxException(action + ": already exists (" + reason + ")", false, e);
            case 400, 422 -> new SandboxException(action + " was rejected by the cluster: " + reason, false, e);
            default -> new SandboxException(action + " failed" + (code == 0 ? "" : " (" + code + ")") + ": " + reason, isRetryable(e), e);
        };
    }

    /** No HTTP answer at all: refused, unresolvable, timed out, TLS failed. */
    private static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof IOException || t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** The innermost cause in words ("Connection refused", "api.example: Name or service not known"). */
    static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (message == null || message.isBlank()) {
            return switch (root) {
                case UnknownHostException u -> "the host name does not resolve";
                case ConnectException c -> "connection refused";
                case TimeoutException t -> "timed out";
                case SocketTimeoutException t -> "timed out";
                default -> "the connection failed";
            };
        }
        return root instanceof UnknownHostException ? message + ": the host name does not resolve" : message;
    }

    static String reason(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return e.getStatus().getMessage();
        }
        return String.valueOf(e.getMessage());
    }
}
