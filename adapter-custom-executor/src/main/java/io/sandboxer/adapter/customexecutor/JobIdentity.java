package io.sandboxer.adapter.customexecutor;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The sandbox name of a job, the same in every stage process: derived from runner, project, concurrency slot and
 * job id (never from a clock: the KubeVirt Go tool's per-process timestamp made run and cleanup miss the VM).
 * {@code <prefix>-j<job id>-<12 hex of a SHA-256 over the length-prefixed parts>}: readable, a DNS label, and
 * distinct for every combination.
 */
record JobIdentity(String runnerId, String projectId, String concurrentProjectId, String jobId) {

    static JobIdentity from(RunnerEnvironment env) {
        String job = env.job("CI_JOB_ID").orElseThrow(() -> new StageException(
                "CUSTOM_ENV_CI_JOB_ID is not set: run sandboxer from GitLab Runner's custom executor, or set it for a manual run"));
        return new JobIdentity(env.job("CI_RUNNER_ID").orElse("0"), env.job("CI_PROJECT_ID").orElse("0"),
                env.job("CI_CONCURRENT_PROJECT_ID").orElse("0"), job);
    }

    String sandboxName(String prefix) {
        String digest = digest(runnerId, projectId, concurrentProjectId, jobId).substring(0, 12);
        String readable = jobId.replaceAll("[^0-9a-z]", "");
        if (readable.length() > 20) {
            readable = readable.substring(readable.length() - 20);
        }
        return prefix + "-j" + readable + "-" + digest;
    }

    private static String digest(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
                sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
                sha.update((byte) ':');
                sha.update(bytes);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
