package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The quick start reads exactly the options picocli declares, and its {@code config} prints what picocli's path prints. */
class QuickStartTest {
    @TempDir
    Path dir;

    @Test
    void theQuickStartKnowsEveryOptionOfRunAndConfig() {
        assertOptions(new RunCommand(), QuickStart.RUN_OPTIONS, QuickStart.RUN_FLAGS);
        assertOptions(new ConfigCommand(), QuickStart.CONFIG_OPTIONS, Set.of());
        assertOptions(new CleanupCommand(), QuickStart.CLEANUP_OPTIONS, Set.of());
    }

    private static void assertOptions(Callable<Integer> command, Set<String> valueOptions, Set<String> flags) {
        Set<String> values = new TreeSet<>();
        Set<String> switches = new TreeSet<>();
        for (OptionSpec option : new CommandLine(command).getCommandSpec().options()) {
            if (!option.usageHelp() && !option.versionHelp()) {
                (option.arity().max() == 0 || option.negatable() ? switches : values).add(option.longestName());
            }
        }
        assertEquals(new TreeSet<>(valueOptions), values, command.getClass().getSimpleName());
        assertEquals(new TreeSet<>(flags), switches, command.getClass().getSimpleName());
    }

    @Test
    void anythingButThePlainRunnerFormTakesTheNormalPath() {
        for (String[] args : new String[][] {{"run", "--help"}, {"run", "--no-connection-agent", "script", "build_script"},
                {"run", "--config=x.json", "script", "build_script"}, {"run", "only-one"}, {"run", "a", "b", "c"}, {"config", "--help"},
                {"config", "--shell", "zsh"}, {"config", "extra"}, {"cleanup", "--help"}, {"cleanup", "extra"},
                {"cleanup", "--config=x.json"}, {"cleanup", "--unknown", "x"}, {"gc"}, {}}) {
            assertTrue(QuickStart.tryStage(args).isEmpty(), String.join(" ", args));
        }
    }

    @Test
    void configPrintsTheSameWhicheverPathReadsItsCommandLine() throws Exception {
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "4001");
        String[][] forms = {
            {"--builds-dir", "/b", "--cache-dir", "/c", "--shell", "pwsh", "--name-prefix", "ci"},
            {"--shell", "bash", "--name-prefix", "ci"},
            {},
        };
        for (String[] form : forms) {
            List<String> quick = new ArrayList<>(List.of("config"));
            quick.addAll(List.of(form));
            // "--option=value" is picocli's alone: the quick start leaves such a command line to picocli.
            List<String> normal = new ArrayList<>(List.of("config", "--name-prefix=" + (form.length > 0 ? "ci" : "sandboxer")));
            for (int i = 0; i < form.length; i += 2) {
                if (!form[i].equals("--name-prefix")) {
                    normal.add(form[i] + "=" + form[i + 1]);
                }
            }
            RunnerEmulator.Result a = runner.stage(quick.toArray(String[]::new));
            RunnerEmulator.Result b = runner.stage(normal.toArray(String[]::new));
            assertEquals(0, a.exitCode(), a.stderr());
            assertEquals(0, b.exitCode(), b.stderr());
            assertEquals(b.stdout(), a.stdout(), String.join(" ", quick));
            assertTrue(a.stdout().contains("\"hostname\":\"" + (form.length > 0 ? "ci" : "sandboxer") + "-j4001-"), a.stdout());
        }
    }

    @Test
    void aFailingCleanupSaysTheSameWhicheverPathReadsItsCommandLine() throws Exception {
        RunnerEmulator runner = new RunnerEmulator(dir.resolve("job"), "4002");
        Path missing = dir.resolve("no-such-settings.json");
        RunnerEmulator.Result quick = runner.stage("cleanup", "--config", missing.toString(), "--timeout", "1h");
        RunnerEmulator.Result normal = runner.stage("cleanup", "--config=" + missing, "--timeout=1h");
        assertEquals(normal.exitCode(), quick.exitCode());
        assertEquals(normal.stderr(), quick.stderr());
        assertTrue(quick.stderr().contains(missing.toString()), quick.stderr());
        assertEquals(2, quick.exitCode(), "SYSTEM_FAILURE_EXIT_CODE: " + quick.stderr());
    }
}
