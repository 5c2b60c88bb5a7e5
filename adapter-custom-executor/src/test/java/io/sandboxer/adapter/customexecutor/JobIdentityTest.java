package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Identity comes from the runner's job response, never from variables a job controls. */
class JobIdentityTest {
    @TempDir
    Path dir;

    private RunnerEnvironment env(String response, Map<String, String> jobVariables) throws Exception {
        Path file = Files.writeString(dir.resolve("response.json"), response);
        var all = new HashMap<>(jobVariables);
        all.put("JOB_RESPONSE_FILE", file.toString());
        return new RunnerEnvironment(all);
    }

    @Test
    void aJobThatSetsAnotherJobsIdStillGetsItsOwnSandbox() throws Exception {
        String response = "{\"id\": 1001, \"token\": \"glcbt-secret\", \"job_info\": {\"project_id\": 42}}";
        String honest = JobIdentity.from(env(response, Map.of("CUSTOM_ENV_CI_JOB_ID", "1001"))).sandboxName("sandboxer");
        String hostile = JobIdentity.from(env(response, Map.of("CUSTOM_ENV_CI_JOB_ID", "999", "CUSTOM_ENV_CI_PROJECT_ID", "7",
                "CUSTOM_ENV_CI_RUNNER_ID", "1", "CUSTOM_ENV_CI_CONCURRENT_PROJECT_ID", "3"))).sandboxName("sandboxer");
        assertEquals(honest, hostile, "job variables do not move the identity");
        assertEquals(new JobIdentity("", "42", "1001").sandboxName("sandboxer"), honest);
        String victim = JobIdentity.fromResponse("{\"id\": 999, \"job_info\": {\"project_id\": 42}}", "t").sandboxName("sandboxer");
        assertFalse(victim.equals(hostile));
    }

    @Test
    void jobsOfTwoGitlabInstancesDoNotShareANameEvenWithTheSameIds() {
        String a = JobIdentity.fromResponse("{\"id\": 5, \"job_info\": {\"project_id\": 1, \"instance_uuid\": \"a\"}}", "t").sandboxName("s");
        String b = JobIdentity.fromResponse("{\"id\": 5, \"job_info\": {\"project_id\": 1, \"instance_uuid\": \"b\"}}", "t").sandboxName("s");
        assertFalse(a.equals(b));
    }

    @Test
    void withoutTheResponseFileTheStageSaysWhatIsMissing() {
        StageException e = assertThrows(StageException.class,
                () -> JobIdentity.from(new RunnerEnvironment(Map.of("CUSTOM_ENV_CI_JOB_ID", "1001"))));
        assertTrue(e.getMessage().startsWith("JOB_RESPONSE_FILE is not set"), e.getMessage());
        assertTrue(e.getMessage().contains("GitLab Runner 14.1"), e.getMessage());
    }

    @Test
    void aBrokenResponseIsRefusedWithoutShowingItsToken() {
        for (String bad : new String[] {"not json", "[1]", "{\"token\": \"glcbt-secret\"}", "{\"id\": \"1001\", \"token\": \"glcbt-secret\"}",
                "{\"id\": -3}", "{\"id\": 1.5}"}) {
            StageException e = assertThrows(StageException.class, () -> JobIdentity.fromResponse(bad, "JOB_RESPONSE_FILE /tmp/r.json"), bad);
            assertTrue(e.getMessage().startsWith("JOB_RESPONSE_FILE /tmp/r.json"), e.getMessage());
            assertFalse(e.getMessage().contains("glcbt-secret"), e.getMessage());
        }
        StageException unreadable = assertThrows(StageException.class,
                () -> JobIdentity.from(new RunnerEnvironment(Map.of("JOB_RESPONSE_FILE", dir.resolve("missing.json").toString()))));
        assertTrue(unreadable.getMessage().contains("cannot be read"), unreadable.getMessage());
    }

    @Test
    void everyStageRefusesTheSamePrefixes() {
        for (String bad : new String[] {"../etc", "a/b", "Upper", "-x", "x-", "", "a".repeat(DriverConfig.MAX_PREFIX_LENGTH + 1), "a b", "a.b"}) {
            DriverConfig driver = new DriverConfig();
            driver.namePrefix = bad;
            StageException e = assertThrows(StageException.class, driver::prefix, bad);
            assertTrue(e.getMessage().contains("--name-prefix \"" + bad + "\""), e.getMessage());
        }
        DriverConfig driver = new DriverConfig();
        driver.namePrefix = "ci-" + "a".repeat(DriverConfig.MAX_PREFIX_LENGTH - 3);
        String longest = new JobIdentity("", "1", Long.toString(Long.MAX_VALUE)).sandboxName(driver.prefix());
        assertTrue(longest.length() <= 63, "the longest name is still a DNS label: " + longest.length());
    }
}
