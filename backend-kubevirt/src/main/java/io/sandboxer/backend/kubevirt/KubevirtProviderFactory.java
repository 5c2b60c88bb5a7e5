package io.sandboxer.backend.kubevirt;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.sandboxer.core.errors.UserMessages;
import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.provider.SandboxDefaults;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviderFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Set;

/**
 * ServiceLoader entry of the KubeVirt backend ({@code kubevirt}). Connects with the kubeconfig given, the
 * in-cluster service account, or the usual discovery (KUBECONFIG, ~/.kube/config), and fails fast when the
 * cluster or KubeVirt cannot be reached.
 */
public final class KubevirtProviderFactory implements SandboxProviderFactory<KubevirtSettings> {
    @Override
    public String name() {
        return "kubevirt";
    }

    @Override
    public Class<KubevirtSettings> settingsType() {
        return KubevirtSettings.class;
    }

    /** The containerDisk, each size's limit, else its request, and the {@code ttl}, where the operator set them. */
    @Override
    public SandboxDefaults defaults(KubevirtSettings settings, Set<String> given) {
        return new SandboxDefaults(settings.image(),
                set(given, "cpu_limit", settings.cpuLimit(), "cpu_request", settings.cpuRequest()),
                set(given, "memory_limit", settings.memoryLimit(), "memory_request", settings.memoryRequest()),
                set(given, "ephemeral_storage_limit", settings.ephemeralStorageLimit(), "ephemeral_storage_request", settings.ephemeralStorageRequest()),
                given.contains("ttl") ? settings.ttl() : null); // the built-in 3h is no operator's choice
    }

    private static Quantity set(Set<String> given, String limitKey, Quantity limit, String requestKey, Quantity request) {
        return given.contains(limitKey) ? limit : given.contains(requestKey) ? request : null;
    }

    @Override
    public SandboxProvider create(KubevirtSettings settings, GroupSettings group) {
        Config config;
        try {
            config = settings.kubeconfig() != null
                    ? Config.fromKubeconfig(null, Files.readString(Path.of(settings.kubeconfig())), settings.kubeconfig())
                    : Config.autoConfigure(null);
        } catch (IOException e) {
            throw new SandboxException("kubeconfig \"" + settings.kubeconfig() + "\" cannot be read: " + UserMessages.of(e), false, e);
        }
        config.setRequestTimeout(10_000);
        config.setConnectionTimeout(5_000);
        config.setRequestRetryBackoffLimit(0); // ApiCalls retries, boundedly; the client's own backoff would stack on top
        KubernetesHttp http = KubernetesHttp.start();
        KubernetesClient client;
        try {
            client = new KubernetesClientBuilder().withHttpClientFactory(http.factory()).withConfig(config).build();
        } catch (RuntimeException e) {
            http.close(); // no provider owns it yet
            throw e;
        }
        KubevirtProvider provider = new KubevirtProvider(settings, group, client, Clock.systemUTC(), http);
        try {
            provider.checkHealth();
        } catch (RuntimeException e) {
            provider.close();
            throw e;
        }
        return provider;
    }
}
