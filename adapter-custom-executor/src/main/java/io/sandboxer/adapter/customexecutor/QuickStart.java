package io.sandboxer.adapter.customexecutor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The hot stages' quick start, before picocli is even loaded (its pre-Java-6 classes cannot be in the AOT cache and
 * take ~0.2 s to start, most of a stage's own time): {@code config}, {@code cleanup}, and {@code run} when the job's
 * connection agent takes the script. Only the plain form the runner uses is read here ({@code --option value}... then the positional
 * arguments); anything else (help, {@code --option=value}, an unknown or negated option, no agent) takes the normal
 * path through picocli, which then says what is wrong or connects itself. Nothing has run by then.
 */
final class QuickStart {
    /** The options of {@link RunCommand} that take a value, and its flags that keep the agent in play; a test keeps both equal to picocli's. */
    static final Set<String> RUN_OPTIONS = Set.of("--config", "--backend", "--namespace", "--name-prefix", "--retry-timeout", "--dial-timeout");
    static final Set<String> RUN_FLAGS = Set.of("--connection-agent");
    /** The options of {@link ConfigCommand}, all taking a value. */
    static final Set<String> CONFIG_OPTIONS = Set.of("--config", "--backend", "--namespace", "--name-prefix", "--builds-dir", "--cache-dir", "--shell");
    /** The options of {@link CleanupCommand}, all taking a value. */
    static final Set<String> CLEANUP_OPTIONS = Set.of("--config", "--backend", "--namespace", "--name-prefix", "--timeout", "--skip-if");

    private QuickStart() {
    }

    /** The stage's exit code when the quick start handled it; empty when the normal path must. */
    static OptionalInt tryStage(String[] args) {
        if (args.length == 0) {
            return OptionalInt.empty();
        }
        return switch (args[0]) {
            case "run" -> parse(args, RUN_OPTIONS, RUN_FLAGS, 2).map(QuickStart::run).orElse(OptionalInt.empty());
            case "config" -> parse(args, CONFIG_OPTIONS, Set.of(), 0).map(QuickStart::config).orElse(OptionalInt.empty());
            case "cleanup" -> parse(args, CLEANUP_OPTIONS, Set.of(), 0).map(QuickStart::cleanup).orElse(OptionalInt.empty());
            default -> OptionalInt.empty();
        };
    }

    private record CommandLine(Map<String, String> options, List<String> positional) {
        String option(String name, String fallback) {
            return options.getOrDefault(name, fallback);
        }
    }

    private static Optional<CommandLine> parse(String[] args, Set<String> valueOptions, Set<String> flags, int positionalCount) {
        Map<String, String> options = new HashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (valueOptions.contains(arg) && i + 1 < args.length && !options.containsKey(arg)) {
                options.put(arg, args[++i]);
            } else if (flags.contains(arg)) {
                continue;
            } else if (arg.startsWith("-")) {
                return Optional.empty();
            } else {
                positional.add(arg);
            }
        }
        return positional.size() == positionalCount ? Optional.of(new CommandLine(options, positional)) : Optional.empty();
    }

    private static OptionalInt run(CommandLine line) {
        RunnerEnvironment env = RunnerEnvironment.current();
        String stage = line.positional().get(1);
        byte[] script;
        String name;
        try {
            script = RunCommand.readScript(Path.of(line.positional().get(0)), stage);
            name = JobIdentity.from(env).sandboxName(DriverConfig.checkedPrefix(line.option("--name-prefix", DriverConfig.DEFAULT_PREFIX)));
        } catch (IOException | RuntimeException e) {
            return OptionalInt.empty(); // the normal path reports it in its own words
        }
        try {
            return new AgentRun(env, name, stage, Cancellation.onSigterm()).run(script, false).map(OptionalInt::of).orElse(OptionalInt.empty());
        } catch (StageException e) {
            Diagnostics.error(e.getMessage());
            return OptionalInt.of(env.systemFailureExitCode());
        }
    }

    /** The same {@link ConfigCommand}, its fields set from the command line instead of by picocli. */
    private static OptionalInt config(CommandLine line) {
        ConfigCommand command = new ConfigCommand();
        command.driver = new DriverConfig();
        command.driver.namePrefix = line.option("--name-prefix", DriverConfig.DEFAULT_PREFIX);
        command.buildsDir = line.options().get("--builds-dir");
        command.cacheDir = line.options().get("--cache-dir");
        String shell = line.options().get("--shell");
        try {
            command.shell = shell == null ? null : Shell.of(shell);
            return OptionalInt.of(command.call());
        } catch (Exception e) {
            return OptionalInt.empty(); // nothing was printed: the normal path reports it in its own words
        }
    }

    /**
     * The same {@link CleanupCommand}, its fields set from the command line. It deletes, so it never hands over to
     * picocli once started: a failure is reported here exactly as picocli's path reports it.
     */
    private static OptionalInt cleanup(CommandLine line) {
        CleanupCommand command = new CleanupCommand();
        command.driver = new DriverConfig();
        String config = line.options().get("--config");
        command.driver.configFile = config == null ? null : Path.of(config);
        command.driver.backend = line.options().get("--backend");
        command.driver.namespace = line.options().containsKey("--namespace") ? line.options().get("--namespace") : System.getenv("KUBEVIRT_NAMESPACE");
        command.driver.namePrefix = line.option("--name-prefix", DriverConfig.DEFAULT_PREFIX);
        command.timeout = line.options().get("--timeout");
        command.skipIf = line.options().get("--skip-if");
        try {
            return OptionalInt.of(command.call());
        } catch (Exception e) {
            return OptionalInt.of(SandboxerCli.failed(e, RunnerEnvironment.current()));
        }
    }
}
