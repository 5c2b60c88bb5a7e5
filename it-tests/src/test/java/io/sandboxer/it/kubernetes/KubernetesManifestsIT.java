package io.sandboxer.it.kubernetes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.sandboxer.adapter.customexecutor.RunnerEmulator;
import io.sandboxer.it.libvirt.LibvirtHost;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes manifests an operator applies, against a real kube-apiserver: the gc CronJob is accepted with strict
 * field validation next to the documented RBAC, and its command, run with that ServiceAccount's token as the pod would
 * run it, succeeds; the Helm values' embedded config.toml parses and every stage's arguments are ones the driver accepts.
 */
class KubernetesManifestsIT {
    private static final String NAMESPACE = "gitlab-runner";
    private static final Path CRONJOB = Path.of("../docs/kubernetes/sandboxer-gc-cronjob.yaml");
    private static final Path VALUES = Path.of("../docs/kubernetes/gitlab-runner-values.yaml");
    @TempDir
    static Path dir;
    private static ControlPlane plane;

    @BeforeAll
    static void start() throws Exception {
        plane = ControlPlane.start(dir.resolve("control-plane"));
        plane.namespaceWithDocumentedRbac(NAMESPACE);
    }

    @AfterAll
    static void stop() {
        if (plane != null) {
            plane.close();
        }
    }

    @Test
    void theGcCronJobIsAcceptedAndItsCommandWorksWithTheDocumentedRole() throws Exception {
        List<HasMetadata> items;
        try (InputStream yaml = Files.newInputStream(CRONJOB)) {
            items = plane.admin().load(yaml).items();
        }
        assertEquals(1, items.size());
        // Strict: a misspelt or misplaced field is refused, not silently dropped.
        HasMetadata created = plane.admin().resource(items.get(0)).inNamespace(NAMESPACE)
                .fieldValidation(FieldValidateable.Validation.STRICT).create();
        CronJob cronJob = (CronJob) created;
        var pod = cronJob.getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
        assertEquals("sandboxer", pod.getServiceAccountName(), "the ServiceAccount docs/kubevirt-rbac.yaml binds");
        var container = pod.getContainers().get(0);

        // What the pod runs (the entrypoint routes to sandboxer), with that ServiceAccount's token.
        List<String> args = new ArrayList<>(container.getArgs());
        RunnerEmulator gc = RunnerEmulator.withLauncher(LibvirtHost.SANDBOXER, dir.resolve("gc"), "1")
                .hostEnvironment("KUBECONFIG", plane.serviceAccountKubeconfig(NAMESPACE).toString())
                .hostEnvironment("KUBEVIRT_NAMESPACE", NAMESPACE);
        RunnerEmulator.Result result = gc.stage(args.toArray(String[]::new));
        assertEquals(0, result.exitCode(), result.stderr());
        assertTrue(result.stdout().contains("0 expired sandbox(es), 0 orphan(s)"), result.stdout());
        assertTrue(container.getEnv().stream().anyMatch(e -> "KUBEVIRT_EXECUTOR".equals(e.getName()) && "true".equals(e.getValue())));
    }

    @Test
    void theHelmValuesConfigureEveryStageWithArgumentsTheDriverAccepts() throws Exception {
        JsonNode values = new YAMLMapper().readTree(VALUES.toFile());
        JsonNode runner = new TomlMapper().readTree(values.path("runners").path("config").asText()).path("runners").get(0);
        assertEquals("custom", runner.path("executor").asText());
        JsonNode custom = runner.path("custom");
        for (String stage : List.of("config", "prepare", "run", "cleanup")) {
            assertEquals("/usr/bin/sandboxer", custom.path(stage + "_exec").asText(), stage + ": the .deb's and the image's path");
            List<String> args = new ArrayList<>();
            custom.path(stage + "_args").forEach(a -> args.add(a.asText()));
            assertEquals(stage, args.get(0), custom.toString());
            // picocli refuses an unknown option even with --help: this is the driver reading exactly these arguments.
            args.add("--help");
            Process p = new ProcessBuilder(prepend(LibvirtHost.SANDBOXER.toString(), args)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), stage + " " + args + ": " + out);
        }
        assertTrue(custom.toString().contains("--default-image"), "the KubeVirt Go tool's prepare_args");
    }

    private static List<String> prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }
}
