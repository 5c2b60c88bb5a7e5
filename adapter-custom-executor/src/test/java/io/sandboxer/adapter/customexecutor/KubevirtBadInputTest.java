package io.sandboxer.adapter.customexecutor;

import static io.sandboxer.adapter.customexecutor.BadInput.flag;
import static io.sandboxer.adapter.customexecutor.BadInput.job;
import static io.sandboxer.adapter.customexecutor.BadInput.setting;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.sandboxer.backend.kubevirt.model.v1.VirtualMachineInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The KubeVirt half of the bad-input table (the libvirt half runs on the real libvirtd in it-tests): each bad
 * setting, flag or job variable makes {@code prepare} fail with the name and what is allowed, no class name, and
 * no Secret or VMI in the namespace. On the fabric8 mock: only its API objects are observed here.
 */
@EnableKubernetesMockClient(crud = true)
class KubevirtBadInputTest {
    KubernetesClient client;
    @TempDir
    Path dir;

    static Stream<BadInput> cases() {
        return Stream.of(
                setting("namespace not a DNS label", s -> s.put("namespace", "../kube-system"), "namespace", "DNS label"),
                setting("memory_request of one byte", s -> s.put("memory_request", "1"), "memory_request", "between 256Mi and 16Ti"),
                setting("cpu_limit beyond any node", s -> s.put("cpu_limit", "100000"), "cpu_limit", "between 100m and 4096"),
                setting("image with spaces", s -> s.put("image", "debian 12"), "image", "container image reference"),
                setting("empty ssh_user", s -> s.put("ssh_user", ""), "ssh_user", "must not be empty"),
                setting("ssh_port 0", s -> s.put("ssh_port", 0), "ssh_port", "between 1 and 65535"),
                setting("ttl beyond Go's limit", s -> s.put("ttl", "9999999999h"), "ttl", "longest duration"),
                setting("missing kubeconfig file", s -> s.put("kubeconfig", "/nonexistent/kubeconfig"), "kubeconfig", "no such file"),
                setting("machine type KubeVirt rejects", s -> s.put("machine_type", "microvm"), "machine_type", "microvm"),
                setting("misspelt key", s -> s.put("namespce", "ci"), "namespce", "did you mean \"namespace\""),
                flag("--ssh-password empty", List.of("--ssh-password", ""), "--ssh-password", "at least one character"),
                flag("--max-cpu beyond any node", List.of("--max-cpu", "1000000"), "--max-cpu", "between 100m and 4096"),
                flag("--name-prefix upper case", List.of("--name-prefix", "Sandboxer"), "--name-prefix", "lowercase letters"),
                job("CI_JOB_IMAGE", "evil.example/miner:latest", "CUSTOM_ENV_CI_JOB_IMAGE", "not allowed"),
                job("VM_MEMORY_REQUEST", "64Gi", "CUSTOM_ENV_VM_MEMORY_REQUEST", "not allowed"),
                job("VM_CPU_REQUEST", "0", "CUSTOM_ENV_VM_CPU_REQUEST", "100m"),
                job("VM_MACHINE_TYPE", "q35\"}}", "CUSTOM_ENV_VM_MACHINE_TYPE", "machine type such as q35"),
                job("VM_TTL", "forever", "CUSTOM_ENV_VM_TTL", "90s"),
                new BadInput("VM_TTL beyond --max-ttl", s -> { }, List.of("--max-ttl", "3h"), List.<String[]>of(new String[] {"VM_TTL", "4h"}),
                        List.of("CUSTOM_ENV_VM_TTL", "\"4h\"", "--max-ttl")),
                new BadInput("VM_TTL beyond the settings' ttl", s -> s.put("ttl", "1h"), List.of(), List.<String[]>of(new String[] {"VM_TTL", "2h"}),
                        List.of("CUSTOM_ENV_VM_TTL", "\"2h\"", "settings' ttl")),
                flag("--max-ttl zero", List.of("--max-ttl", "0s"), "--max-ttl", "must be positive"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void prepareRefusesItBeforeAnySecretOrVmiExists(BadInput bad) throws Exception {
        Path config = MockCluster.config(client, dir);
        ObjectNode settings = (ObjectNode) new ObjectMapper().readTree(Files.readString(config));
        bad.settings().accept(settings);
        Files.writeString(config, settings.toString());
        RunnerEmulator runner = bad.applyTo(new RunnerEmulator(dir.resolve("job"), "3001"));
        List<String> args = new ArrayList<>(List.of("prepare", "--config", config.toString(), "--max-memory", "2Gi", "--max-cpu", "2"));
        if (bad.flags().contains("--max-cpu")) {
            args.subList(args.size() - 2, args.size()).clear();
        }
        args.addAll(bad.flags());
        RunnerEmulator.Result prepare = runner.stage(args.toArray(String[]::new));

        assertEquals(2, prepare.exitCode(), prepare.stderr());
        assertEquals(List.of(), bad.problemsWith(prepare.stderr()), prepare.stderr());
        assertEquals(List.of(), client.secrets().inAnyNamespace().list().getItems(), "no Secret was created");
        assertEquals(List.of(), client.resources(VirtualMachineInstance.class).inAnyNamespace().list().getItems(), "no VMI was created");
    }
}
