package io.sandboxer.adapter.customexecutor;

import java.util.Map;
import java.util.Optional;

/**
 * What GitLab Runner hands every stage in the environment: the exit codes to use, where to write the script's
 * exit status, and the job's variables as {@code CUSTOM_ENV_<NAME>}.
 */
record RunnerEnvironment(Map<String, String> env) {
    static final String JOB_PREFIX = "CUSTOM_ENV_";

    static RunnerEnvironment current() {
        return new RunnerEnvironment(System.getenv());
    }

    int buildFailureExitCode() {
        return code("BUILD_FAILURE_EXIT_CODE", 1);
    }

    int systemFailureExitCode() {
        return code("SYSTEM_FAILURE_EXIT_CODE", 2);
    }

    Optional<String> buildExitCodeFile() {
        return Optional.ofNullable(env.get("BUILD_EXIT_CODE_FILE")).filter(s -> !s.isBlank());
    }

    /**
     * A value the runner itself sets (never a {@code CUSTOM_ENV_} name, which jobs control), such as
     * {@code JOB_RESPONSE_FILE}.
     */
    Optional<String> runner(String name) {
        if (name.startsWith(JOB_PREFIX)) {
            throw new IllegalArgumentException(name + " is a job variable, not the runner's");
        }
        return Optional.ofNullable(env.get(name)).filter(s -> !s.isBlank());
    }

    /** A job variable: {@code job("CI_JOB_ID")} reads {@code CUSTOM_ENV_CI_JOB_ID}. Jobs control these: never identity. */
    Optional<String> job(String name) {
        return Optional.ofNullable(env.get(JOB_PREFIX + name)).map(String::strip).filter(s -> !s.isEmpty());
    }

    /** {@code SANDBOXER_DEBUG=1} in the runner's own environment: failures also print their stack. */
    boolean debug() {
        return runner("SANDBOXER_DEBUG").filter(v -> !v.equals("0") && !v.equalsIgnoreCase("false")).isPresent();
    }

    private int code(String key, int fallback) {
        try {
            return Integer.parseInt(env.getOrDefault(key, Integer.toString(fallback)).strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
