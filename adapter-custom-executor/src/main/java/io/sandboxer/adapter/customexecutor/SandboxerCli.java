package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.errors.UserMessages;
import io.sandboxer.core.training.AotCache;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.function.Supplier;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * {@code sandboxer}: GitLab Runner custom-executor driver and admin commands. Configure the runner with
 * {@code config_exec = "sandboxer"}, {@code config_args = ["config"]}, {@code prepare_args = ["prepare", ...]},
 * {@code run_args = ["run"]}, {@code cleanup_args = ["cleanup"]}. Infrastructure errors exit with
 * {@code SYSTEM_FAILURE_EXIT_CODE}, a failing script with {@code BUILD_FAILURE_EXIT_CODE}.
 */
@Command(name = "sandboxer", mixinStandardHelpOptions = true, versionProvider = SandboxerCli.Version.class,
        description = "One fresh virtual machine per CI job: GitLab Runner custom-executor driver (libvirt or KubeVirt).",
        commandListHeading = "%nCommands:%n")
public final class SandboxerCli {
    /**
     * The subcommands, made on demand: a stage registers only its own, so picocli reflects over one command's options
     * instead of all of them (every stage of every job starts a JVM; this is a measurable part of its start).
     */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("config", ConfigCommand::new);
        COMMANDS.put("prepare", PrepareCommand::new);
        COMMANDS.put("run", RunCommand::new);
        COMMANDS.put("cleanup", CleanupCommand::new);
        COMMANDS.put("gc", GcCommand::new);
        COMMANDS.put("pool", PoolCommand::new);
        COMMANDS.put("agent", AgentCommand::new);
        COMMANDS.put("generate-completion", () -> new AutoComplete.GenerateCompletion()); // a lambda: an AOT cache cannot hold a method reference to picocli's pre-Java-6 classes
    }

    public static void main(String[] args) {
        if (args.length >= 1 && args[0].equals(AotTraining.COMMAND)) {
            System.exit(AotTraining.run(Arrays.copyOfRange(args, 1, args.length))); // the build's training runs for the AOT caches: not in the help
        }
        OptionalInt quick = QuickStart.tryStage(args);
        System.exit(quick.isPresent() ? quick.getAsInt() : execute(args));
    }

    static int execute(String... args) {
        RunnerEnvironment env = RunnerEnvironment.current();
        CommandLine cli = new CommandLine(new SandboxerCli());
        Supplier<Object> only = args.length > 0 ? COMMANDS.get(args[0]) : null;
        if (only != null) {
            cli.addSubcommand(args[0], only.get());
        } else { // help, a version request or a mistyped command: all of them, for the usage and picocli's suggestions
            COMMANDS.forEach((name, command) -> cli.addSubcommand(name, command.get()));
        }
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> failed(e, env));
        cli.setParameterExceptionHandler((e, a) -> {
            Diagnostics.error(e.getMessage().replaceFirst("^Error: ", "")); // picocli words some of its own messages so
            e.getCommandLine().usage(Diagnostics.stream());
            return env.systemFailureExitCode();
        });
        return cli.execute(args);
    }

    /** A stage that failed: the message in the failure's own words, the stack only on request (it names classes, not settings). */
    static int failed(Exception e, RunnerEnvironment env) {
        Diagnostics.error(UserMessages.of(e));
        if (env.debug()) {
            e.printStackTrace();
        }
        return env.systemFailureExitCode();
    }

    static String version() {
        Properties p = new Properties();
        try (InputStream in = SandboxerCli.class.getResourceAsStream("/sandboxer-cli.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // unknown version
        }
        return p.getProperty("version", "unknown");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sandboxer " + version(), "Java " + Runtime.version(), AotCache.describe()};
        }
    }
}
