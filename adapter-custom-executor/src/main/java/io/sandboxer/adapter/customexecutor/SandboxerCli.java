package io.sandboxer.adapter.customexecutor;

import io.sandboxer.core.errors.UserMessages;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
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
        subcommands = {ConfigCommand.class, PrepareCommand.class, RunCommand.class, CleanupCommand.class, GcCommand.class,
                AutoComplete.GenerateCompletion.class})
public final class SandboxerCli {

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    static int execute(String... args) {
        RunnerEnvironment env = RunnerEnvironment.current();
        CommandLine cli = new CommandLine(new SandboxerCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // The message in the failure's own words; the stack only on request (it names classes, not settings).
            Diagnostics.error(UserMessages.of(e));
            if (env.debug()) {
                e.printStackTrace();
            }
            return env.systemFailureExitCode();
        });
        cli.setParameterExceptionHandler((e, a) -> {
            Diagnostics.error(e.getMessage().replaceFirst("^Error: ", "")); // picocli words some of its own messages so
            e.getCommandLine().usage(Diagnostics.stream());
            return env.systemFailureExitCode();
        });
        return cli.execute(args);
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
            return new String[] {"sandboxer " + version(), "Java " + Runtime.version()};
        }
    }
}
