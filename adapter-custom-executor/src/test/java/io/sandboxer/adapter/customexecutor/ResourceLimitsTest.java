package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sandboxer.core.model.Quantity;
import io.sandboxer.core.model.Resources;
import io.sandboxer.core.provider.SandboxProviders;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A job sizes its VM only within what the runner configured: the cases the issue reproduced on libvirt. */
class ResourceLimitsTest {
    /** A runner configured for 1 vCPU, 1 GiB, 4 GiB on libvirt. */
    private static ObjectNode libvirt() {
        return new ObjectMapper().createObjectNode().put("provider", "libvirt").put("vcpu_count", 1).put("memory_mib", 1024).put("disk_size_gib", 4);
    }

    private static Resources resources(JobDefaults defaults, Map<String, String> jobVariables, ObjectNode settings) {
        var env = new HashMap<String, String>();
        jobVariables.forEach((k, v) -> env.put("CUSTOM_ENV_" + k, v));
        return defaults.resources(new RunnerEnvironment(env), configured(settings).defaults());
    }

    /** The settings as prepare binds them; libvirt's required keys are added (they name no size). */
    private static SandboxProviders.Configured<?> configured(ObjectNode settings) {
        ObjectNode complete = settings.deepCopy();
        if ("libvirt".equals(settings.path("provider").asText())) {
            complete.put("pool_name", "default").put("base_volume_name", "base.qcow2");
        }
        return SandboxProviders.bind(settings.path("provider").asText(), complete, "settings");
    }

    private static String refusal(JobDefaults defaults, Map<String, String> jobVariables, ObjectNode settings) {
        return assertThrows(StageException.class, () -> resources(defaults, jobVariables, settings)).getMessage();
    }

    @Test
    void aJobCannotAskForMoreThanTheRunnerConfigured() {
        JobDefaults defaults = new JobDefaults();
        assertEquals("CUSTOM_ENV_VM_CPU_REQUEST \"2\" is not allowed: the runner's CPU maximum is 1 (--max-cpu)",
                refusal(defaults, Map.of("VM_CPU_REQUEST", "2"), libvirt()));
        assertEquals("CUSTOM_ENV_VM_MEMORY_LIMIT \"12Gi\" is not allowed: the runner's memory maximum is 1024Mi (--max-memory)",
                refusal(defaults, Map.of("VM_MEMORY_LIMIT", "12Gi"), libvirt()));
        assertTrue(refusal(defaults, Map.of("VM_STORAGE_REQUEST", "500Gi"), libvirt()).contains("storage maximum is 4Gi"));
        assertTrue(refusal(defaults, Map.of("VM_STORAGE_REQUEST", "9Ei"), libvirt()).contains("storage maximum is 4Gi"), "no overflow");
    }

    @Test
    void minimaHoldAndZeroIsNotOne() {
        JobDefaults defaults = new JobDefaults();
        assertEquals("CUSTOM_ENV_VM_MEMORY_REQUEST \"1\" is not allowed: the memory minimum is 256Mi",
                refusal(defaults, Map.of("VM_MEMORY_REQUEST", "1"), libvirt()));
        assertEquals("CUSTOM_ENV_VM_CPU_REQUEST \"0\" is not allowed: the CPU minimum is 100m", refusal(defaults, Map.of("VM_CPU_REQUEST", "0"), libvirt()));
    }

    @Test
    void withinTheLimitsAJobChoosesAndAnOperatorCanRaiseThem() {
        JobDefaults defaults = new JobDefaults();
        Resources smaller = resources(defaults, Map.of("VM_MEMORY_REQUEST", "512Mi"), libvirt());
        assertEquals(0, smaller.memory().request().compareTo(Quantity.parse("512Mi")));
        defaults.maxMemory = "8Gi";
        assertEquals(0, resources(defaults, Map.of("VM_MEMORY_LIMIT", "8Gi"), libvirt()).memory().limit().compareTo(Quantity.parse("8Gi")));
        assertNull(resources(defaults, Map.of(), libvirt()).cpu().effective(), "no job variable: the backend's configured size");
    }

    @Test
    void withoutAnyConfiguredMaximumJobsCannotSizeThatResource() {
        ObjectNode kubevirt = new ObjectMapper().createObjectNode().put("provider", "kubevirt").put("memory_limit", "2Gi");
        assertEquals("CUSTOM_ENV_VM_CPU_REQUEST \"1\" is not allowed: the runner sets no CPU maximum, so jobs cannot choose it "
                + "(an operator allows it with prepare --max-cpu)", refusal(new JobDefaults(), Map.of("VM_CPU_REQUEST", "1"), kubevirt));
        assertEquals(0, resources(new JobDefaults(), Map.of("VM_MEMORY_REQUEST", "2Gi"), kubevirt).memory().request().compareTo(Quantity.parse("2Gi")));
        JobDefaults goTool = new JobDefaults();
        goTool.cpuLimit = "2"; // the KubeVirt Go tool's --default-cpu-limit is the maximum then
        assertEquals(0, resources(goTool, Map.of("VM_CPU_REQUEST", "1500m"), kubevirt).cpu().request().compareTo(Quantity.parse("1500m")));
    }

    /** A job's VM_TTL, read as prepare reads it: the settings' ttl bounds it unless the operator gives --max-ttl. */
    private static Duration ttl(JobDefaults defaults, String vmTtl, ObjectNode settings) {
        return defaults.ttl(new RunnerEnvironment(Map.of("CUSTOM_ENV_VM_TTL", vmTtl)), configured(settings).defaults().ttl());
    }

    @Test
    void aJobMayShortenItsVmsLifeButNotOutlastWhatTheRunnerChose() {
        ObjectNode threeHours = libvirt().put("ttl", "3h");
        assertEquals(Duration.ofMinutes(30), ttl(new JobDefaults(), "30m", threeHours));
        StageException beyond = assertThrows(StageException.class, () -> ttl(new JobDefaults(), "4h", threeHours));
        assertEquals("CUSTOM_ENV_VM_TTL \"4h\" is not allowed: the runner's maximum is 3h0m0s (the settings' ttl; an operator allows "
                + "more with prepare --max-ttl)", beyond.getMessage());
        JobDefaults raised = new JobDefaults();
        raised.maxTtl = Duration.ofHours(8);
        assertEquals(Duration.ofHours(8), ttl(raised, "8h", threeHours));
        assertEquals("CUSTOM_ENV_VM_TTL \"9h\" is not allowed: the runner's maximum is 8h0m0s (--max-ttl)",
                assertThrows(StageException.class, () -> ttl(raised, "9h", threeHours)).getMessage());
        // The KubeVirt Go tool's configurations name no ttl: its jobs' VM_TTL stays unbounded, and KubeVirt's built-in 3h is no bound.
        ObjectNode goTool = new ObjectMapper().createObjectNode().put("provider", "kubevirt");
        assertEquals(Duration.ofHours(100), ttl(new JobDefaults(), "100h", goTool));
    }
}
