package io.sandboxer.adapter.customexecutor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers' hand-off to the native stage client ({@code stage_client} in {@code scripts/launcher/sandboxer-java.sh}),
 * with stand-in clients: only {@code run} and {@code cleanup} go to it, never when the client handed the stage back, and a
 * client that cannot be started here (another architecture's binary) leaves the stage to the JVM instead of failing it.
 */
class LauncherStageClientTest {
    /** What the launcher does after stage_client returns: the JVM path, here an echo. */
    private static final String LAUNCHER = "self=/opt/sandboxer/bin/sandboxer; stage_client \"$CLIENT\" \"$@\"; echo \"jvm path: $* launcher=${SANDBOXER_LAUNCHER:-unset}\"";

    @TempDir
    Path dir;

    @Test
    void runAndCleanupAreReplacedByTheClientWhichLearnsTheLauncher() throws Exception {
        Path client = client("#!/bin/sh\necho \"client: $* launcher=$SANDBOXER_LAUNCHER\"\n");
        assertEquals("client: run script build_script launcher=/opt/sandboxer/bin/sandboxer", launch(client, "run script build_script"));
        assertEquals("client: cleanup --config c.json launcher=/opt/sandboxer/bin/sandboxer", launch(client, "cleanup --config c.json"));
    }

    @Test
    void otherStagesAndHandedBackRunsStayOnTheJvmPath() throws Exception {
        Path client = client("#!/bin/sh\necho client\n");
        assertEquals("jvm path: prepare launcher=unset", launch(client, "prepare"));
        assertEquals("jvm path: config launcher=unset", launch(client, "config"));
        assertEquals("jvm path: run script build_script launcher=unset",
                launch(client, "run script build_script", Map.of("SANDBOXER_NO_STAGE_CLIENT", "1")));
    }

    @Test
    void aClientThatCannotBeStartedHereLeavesTheStageToTheJvm() throws Exception {
        // An ELF header for no machine this kernel runs: execve fails with ENOEXEC, as for an arm64 client on amd64.
        byte[] foreign = new byte[64];
        System.arraycopy(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1}, 0, foreign, 0, 7);
        Path client = dir.resolve("sandboxer-stage-client");
        LauncherScript.executable(client, foreign);
        String out = launch(client, "run script build_script");
        assertTrue(out.endsWith("jvm path: run script build_script launcher=unset"), out);
        assertTrue(out.contains("warning: the native stage client " + client + " could not be started; this stage runs through the JVM"), out);
    }

    private Path client(String script) throws Exception {
        Path client = dir.resolve("sandboxer-stage-client");
        LauncherScript.executable(client, script.getBytes(StandardCharsets.UTF_8));
        return client;
    }

    private String launch(Path client, String args) throws Exception {
        return launch(client, args, Map.of());
    }

    private String launch(Path client, String args, Map<String, String> env) throws Exception {
        Map<String, String> all = new HashMap<>(env);
        all.put("CLIENT", client.toString());
        return LauncherScript.bash(all, "set -- " + args + "; " + LAUNCHER);
    }
}
