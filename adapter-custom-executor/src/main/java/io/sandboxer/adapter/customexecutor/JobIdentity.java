package io.sandboxer.adapter.customexecutor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sandboxer.core.errors.UserMessages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The sandbox name of a job, the same in every stage process: derived from the GitLab instance, project and job id
 * of the runner's job response, never from a clock (the KubeVirt Go tool's per-process timestamp made run and
 * cleanup miss the VM) and never from {@code CUSTOM_ENV_*}: a job's own variables override those, so a job that set
 * {@code CI_JOB_ID} to another job's id would reach that job's sandbox. {@code JOB_RESPONSE_FILE} (GitLab Runner
 * 14.1 and later) is written by the runner from what GitLab sent; a job cannot change it. A job id is unique within
 * its GitLab instance, and a retry is a new job. {@code <prefix>-j<job id>-<12 hex of a SHA-256 over the
 * length-prefixed parts>}: readable, a DNS label, and distinct for every combination.
 */
record JobIdentity(String instance, String projectId, String jobId) {
    static final String RESPONSE_FILE = "JOB_RESPONSE_FILE";
    private static final ObjectMapper JSON = new ObjectMapper();

    static JobIdentity from(RunnerEnvironment env) {
        String file = env.runner(RESPONSE_FILE).orElseThrow(() -> new StageException(RESPONSE_FILE + " is not set: sandboxer takes the job's "
                + "identity from the runner's job response (GitLab Runner 14.1 or later sets it for every stage). For a manual run, write "
                + "{\"id\": <job id>, \"job_info\": {\"project_id\": <project id>}} to a file and point " + RESPONSE_FILE + " at it"));
        String json;
        try {
            json = Files.readString(Path.of(file), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new StageException(RESPONSE_FILE + "=" + file + " cannot be read: " + UserMessages.of(e), e);
        }
        return fromResponse(json, RESPONSE_FILE + " " + file);
    }

    /** Reads only the identifying fields; the response also holds the job token, which never leaves this method. */
    static JobIdentity fromResponse(String json, String source) {
        JsonNode response;
        try {
            response = JSON.readTree(json);
        } catch (IOException e) {
            throw new StageException(source + " is not the runner's job response: not JSON");
        }
        if (response == null || !response.isObject()) {
            throw new StageException(source + " is not the runner's job response: not a JSON object");
        }
        JsonNode id = response.path("id");
        if (!id.canConvertToLong() || !id.isIntegralNumber() || id.asLong() <= 0) {
            throw new StageException(source + ": \"id\" must be the job's id, a positive whole number; it is "
                    + (id.isMissingNode() ? "missing" : id.getNodeType().name().toLowerCase(Locale.ROOT)));
        }
        JsonNode info = response.path("job_info");
        JsonNode project = info.path("project_id");
        String projectId = project.isIntegralNumber() ? Long.toString(project.asLong()) : "0";
        String instance = info.path("instance_uuid").asText(info.path("instance_id").asText(""));
        return new JobIdentity(instance, projectId, Long.toString(id.asLong()));
    }

    String sandboxName(String prefix) {
        return prefix + "-j" + jobId + "-" + digest(instance, projectId, jobId).substring(0, 12);
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
