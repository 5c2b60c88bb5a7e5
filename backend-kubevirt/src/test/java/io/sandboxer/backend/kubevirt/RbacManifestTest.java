package io.sandboxer.backend.kubevirt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.lifecycle.Deadline;
import io.sandboxer.core.lifecycle.GarbageCollector;
import io.sandboxer.core.lifecycle.ProgressListener;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.provider.LabelChange;
import io.sandboxer.core.settings.SettingsBinder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/kubevirt-rbac.yaml grants exactly the verbs a full sandbox lifecycle uses. */
@EnableKubernetesMockClient(crud = true)
class RbacManifestTest {
    private static final Pattern PATH = Pattern.compile(
            "^/(?:api/v1|apis/([^/]+)/[^/]+)/namespaces/[^/]+/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?(?:\\?(.*))?$");
    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void theManifestMatchesTheCallsOfAFullLifecycle() throws Exception {
        KubernetesClient sandboxer = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withRequestRetryBackoffLimit(0).build()).build();
        // virt-controller's own calls are marked so they can be told apart from sandboxer's.
        KubernetesClient virtController = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withCustomHeaders(Map.of("X-Actor", "virt-controller")).build()).build();
        KubevirtSettings settings = new SettingsBinder().bind("{\"namespace\": \"ci\", \"image\": \"quay.io/containerdisks/debian:12\", "
                + "\"access\": \"pod-ip\"}", KubevirtSettings.class, "plugin_config");
        try (FakeVirtController controller = new FakeVirtController(virtController, "ci");
                KubevirtProvider provider = new KubevirtProvider(settings, GroupSettings.defaults(), sandboxer, Clock.systemUTC(), false)) {
            provider.checkHealth();
            provider.create(SandboxSpec.builder("rbac-1").build());
            Readiness.addressOnly().await(provider, "rbac-1", Deadline.after(Duration.ofSeconds(20), Clock.systemUTC()), ProgressListener.SILENT);
            provider.list();
            provider.get("rbac-1");
            provider.relabel("rbac-1", new LabelChange(Map.of("sandboxer.io/claimed-by", "job"), "sandboxer.io/claimed-by", null));
            new GarbageCollector(provider, Clock.systemUTC()).collect(Duration.ofHours(1), false);
            provider.delete("rbac-1");
            provider.delete("rbac-1");
        }
        Set<String> used = new TreeSet<>();
        RecordedRequest request;
        while ((request = server.takeRequest(200, TimeUnit.MILLISECONDS)) != null) {
            if (!"virt-controller".equals(request.getHeaders().get("X-Actor"))) {
                used.add(rule(request.getMethod(), request.getPath()));
            }
        }
        // Port-forward (exercised by PortForwardTunnelTest) opens a WebSocket with GET on the subresource.
        used.add("subresources.kubevirt.io virtualmachineinstances/portforward get");
        assertEquals(manifest(), used, "recorded API calls vs docs/kubevirt-rbac.yaml");
    }

    /** "group resource verb" for one recorded request. */
    static String rule(String method, String path) {
        Matcher m = PATH.matcher(path);
        if (!m.matches()) {
            throw new AssertionError("unexpected API path " + path);
        }
        String group = m.group(1) == null ? "" : m.group(1);
        String resource = m.group(2) + (m.group(4) != null ? "/" + m.group(4) : "");
        boolean named = m.group(3) != null;
        String query = m.group(5) == null ? "" : m.group(5);
        String verb = switch (method) {
            case "GET" -> query.contains("watch=true") ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> named ? "delete" : "deletecollection";
            default -> throw new AssertionError("unexpected method " + method);
        };
        return (group.isEmpty() ? "core" : group) + " " + resource + " " + verb;
    }

    static Set<String> manifest() throws IOException {
        Set<String> rules = new TreeSet<>();
        try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class)
                .readValues(Path.of("../docs/kubevirt-rbac.yaml").toFile())) {
            for (JsonNode doc : docs.readAll()) {
                if (!"Role".equals(doc.path("kind").asText())) {
                    continue;
                }
                for (JsonNode r : doc.path("rules")) {
                    for (JsonNode g : r.path("apiGroups")) {
                        for (JsonNode res : r.path("resources")) {
                            for (JsonNode v : r.path("verbs")) {
                                rules.add((g.asText().isEmpty() ? "core" : g.asText()) + " " + res.asText() + " " + v.asText());
                            }
                        }
                    }
                }
            }
        }
        return rules;
    }
}
