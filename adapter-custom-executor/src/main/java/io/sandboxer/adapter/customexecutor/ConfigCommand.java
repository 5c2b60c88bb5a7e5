package io.sandboxer.adapter.customexecutor;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** config_exec: prints the runner's config JSON on stdout, and nothing else there. */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Print the custom executor's config JSON (only JSON on stdout).")
final class ConfigCommand implements Callable<Integer> {
    @Mixin
    DriverConfig driver;
    @Option(names = "--builds-dir", description = "builds_dir inside the VM (default: /builds, C:/builds with --shell pwsh).")
    String buildsDir;
    @Option(names = "--cache-dir", description = "cache_dir inside the VM (default: /cache, C:/cache with --shell pwsh).")
    String cacheDir;
    @Option(names = "--shell", description = "bash or pwsh: the shell the runner writes job scripts for. Without it, config "
            + "reports none and the runner keeps its [[runners]] shell (the KubeVirt Go tool's Windows setup passes --shell pwsh "
            + "to prepare only).", converter = Shell.Converter.class)
    Shell shell;

    @Override
    public Integer call() throws Exception {
        RunnerEnvironment env = RunnerEnvironment.current();
        boolean windows = shell == Shell.PWSH;
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("builds_dir", buildsDir != null ? buildsDir : windows ? "C:/builds" : "/builds");
        out.put("cache_dir", cacheDir != null ? cacheDir : windows ? "C:/cache" : "/cache");
        out.put("builds_dir_is_shared", false);
        if (env.runner(JobIdentity.RESPONSE_FILE).isPresent()) { // a manual `config` without a job still prints the rest
            out.put("hostname", JobIdentity.from(env).sandboxName(driver.prefix()));
        }
        out.putObject("driver").put("name", "sandboxer").put("version", SandboxerCli.version());
        if (shell != null) {
            out.put("shell", shell.flag());
        }
        System.out.println(out); // a JsonNode prints as compact JSON: no ObjectMapper to build (a stage's start counts)
        return 0;
    }
}
