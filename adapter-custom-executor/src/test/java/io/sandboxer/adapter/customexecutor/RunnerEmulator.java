package io.sandboxer.adapter.customexecutor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Drives the driver as GitLab Runner does: a new process per stage, in a per-job temporary directory, with the
 * runner's environment (TMPDIR, the exit codes, BUILD_EXIT_CODE_FILE, JOB_RESPONSE_FILE) and the job's variables
 * as CUSTOM_ENV_*. The driver runs from this module's classes, or through a built {@code sandboxer} launcher.
 */
public final class RunnerEmulator {
    public record Result(int exitCode, String stdout, String stderr) {
    }

    private final Path jobDir;
    private final List<String> driver;
    private final Map<String, String> env = new HashMap<>();

    /** Runs the driver from the test class path, with the launcher's JVM options. */
    RunnerEmulator(Path jobDir, String jobId) throws IOException {
        this(jobDir, jobId, classPathDriver());
    }

    /** Runs the driver through a launcher script, exactly as the runner's {@code *_exec} would. */
    public static RunnerEmulator withLauncher(Path launcher, Path jobDir, String jobId) throws IOException {
        return new RunnerEmulator(jobDir, jobId, List.of(launcher.toAbsolutePath().toString()));
    }

    private RunnerEmulator(Path jobDir, String jobId, List<String> driver) throws IOException {
        this.jobDir = Files.createDirectories(jobDir);
        this.driver = driver;
        env.put("TMPDIR", jobDir.toString());
        // The job's connection agent lives next to the job's directory: each test sees only its own agents.
        env.put("SANDBOXER_AGENT_DIR", agentDirectory().toString());
        env.put("BUILD_FAILURE_EXIT_CODE", "1");
        env.put("SYSTEM_FAILURE_EXIT_CODE", "2");
        env.put("BUILD_EXIT_CODE_FILE", jobDir.resolve("build_exit_code").toString());
        Path response = jobDir.resolve("response.json");
        // The runner writes the whole job payload, 0600; sandboxer reads its identity from it.
        Files.writeString(response, "{\"id\": " + jobId + ", \"token\": \"job-token-never-logged\", \"job_info\": {\"project_id\": 42, "
                + "\"project_name\": \"demo\"}}");
        env.put("JOB_RESPONSE_FILE", response.toString());
        job("CI_JOB_ID", jobId);
        job("CI_RUNNER_ID", "7");
        job("CI_PROJECT_ID", "42");
        job("CI_CONCURRENT_PROJECT_ID", "0");
    }

    /** Where this job's stages keep the connection agents (made 0700 by prepare). */
    public Path agentDirectory() {
        return jobDir.toAbsolutePath().resolveSibling(jobDir.getFileName() + "-agents");
    }

    public RunnerEmulator job(String name, String value) {
        env.put("CUSTOM_ENV_" + name, value);
        return this;
    }

    /** Removes a variable the runner would set, as an older runner or a manual run would leave it out. */
    public RunnerEmulator withoutHostEnvironment(String name) {
        env.remove(name);
        return this;
    }

    /** Sets a variable of the stage processes' environment itself, as the runner's host might have it. */
    public RunnerEmulator hostEnvironment(String name, String value) {
        env.put(name, value);
        return this;
    }

    public Path script(String name, String body) throws IOException {
        Path file = jobDir.resolve(name);
        Files.writeString(file, body);
        return file;
    }

    public Integer buildExitCode() throws IOException {
        Path file = Path.of(env.get("BUILD_EXIT_CODE_FILE"));
        return Files.exists(file) ? Integer.valueOf(Files.readString(file).strip()) : null;
    }

    private static List<String> classPathDriver() throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The launcher's JVM options: they keep the job log free of JVM warnings.
        command.addAll(Files.readAllLines(Path.of("target/classes/sandboxer-jvm-options.txt")).stream().filter(l -> !l.isBlank()).toList());
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), SandboxerCli.class.getName()));
        return command;
    }

    /** Starts one stage and returns at once: for a test that signals the stage while it runs, as the runner does on cancel. */
    public Process start(String... args) throws IOException {
        List<String> command = new ArrayList<>(driver);
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(jobDir.toFile());
        builder.environment().putAll(env);
        return builder.start();
    }

    public Result stage(String... args) throws IOException, InterruptedException {
        return stage(Duration.ofMinutes(5), args);
    }

    /** Runs one stage to its end within {@code limit}, collecting stdout and stderr. */
    public Result stage(Duration limit, String... args) throws IOException, InterruptedException {
        Process p = start(args);
        var out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        var err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("stage " + List.of(args) + " did not finish within " + limit + "; its stderr:\n" + err.join());
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    private static String read(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
