package io.sandboxer.backend.kubevirt;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.sandboxer.core.provider.SandboxException;
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

    private ApiCalls() {
    }

    static <T> T retrying(String action, Supplier<T> call) {
        long delay = 500;
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (KubernetesClientException e) {
                if (!isRetryable(e) || attempt == ATTEMPTS) {
                    throw translate(action, e);
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

    static SandboxException translate(String action, KubernetesClientException e) {
        int code = e.getCode();
        String reason = reason(e);
        return switch (code) {
            case 401, 403 -> new SandboxException(action + " is not allowed (" + code + "): " + reason
                    + "; give the service account the Role in docs/kubevirt-rbac.yaml", false, e);
            case 404 -> new SandboxException(action + ": not found (" + reason + "); is KubeVirt installed and the namespace right?", false, e);
            case 409 -> new SandboxException(action + ": already exists (" + reason + ")", false, e);
            case 400, 422 -> new SandboxException(action + " was rejected by the cluster: " + reason, false, e);
            default -> new SandboxException(action + " failed" + (code == 0 ? "" : " (" + code + ")") + ": " + reason, isRetryable(e), e);
        };
    }

    static String reason(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return e.getStatus().getMessage();
        }
        return String.valueOf(e.getMessage());
    }
}
