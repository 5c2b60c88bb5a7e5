package io.sandboxer.adapter.customexecutor.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link RemoteScript#LINUX_WRAPPER} in this machine's real {@code sh}, as sshd would run it: started as a session
 * leader (OpenSSH's sshd calls setsid for every session) it runs bash in place; started inside another process's
 * group (a server that does not) it makes a session first. Either way the group it names is bash's own, and the
 * script's stdin, stdout and exit status are the job's.
 */
class LinuxWrapperTest {
    private static final Pattern STAT_GROUP = Pattern.compile("^\\d+ \\(.*\\) \\S (\\d+) (\\d+)");

    @ParameterizedTest(name = "session leader: {0}")
    @ValueSource(booleans = {true, false})
    void bashLeadsTheGroupTheWrapperNames(boolean leader) throws Exception {
        List<String> argv = new ArrayList<>();
        if (leader) {
            argv.add("setsid"); // this JVM's child is no group leader, so setsid(1) does not fork: sh leads, as under sshd
        }
        argv.addAll(List.of("sh", "-c", RemoteScript.LINUX_WRAPPER));
        Process p = new ProcessBuilder(argv).start();
        try (var in = p.getOutputStream()) {
            in.write("echo \"bash=$$ $BASH_VERSION\"; echo to-stderr >&2; exit 7\n".getBytes(StandardCharsets.US_ASCII));
        }
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        List<Long> named = new ArrayList<>();
        Thread errors = Thread.ofVirtual().start(() -> {
            try (GroupIdFilter filter = new GroupIdFilter(errBytes, named::add)) {
                p.getErrorStream().transferTo(filter);
                filter.end();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the wrapped script ends");
        errors.join();
        assertEquals(7, p.exitValue(), "the script's exit status is the command's");
        assertEquals("to-stderr\n", errBytes.toString(StandardCharsets.US_ASCII), "the wrapper's line is not in the job's stderr");
        Matcher bash = Pattern.compile("^bash=(\\d+) \\S+").matcher(out);
        assertTrue(bash.find(), "bash ran the script: " + out);
        assertEquals(List.of(Long.parseLong(bash.group(1))), named, "the named group is bash's own pid");
    }

    @ParameterizedTest(name = "session leader: {0}")
    @ValueSource(booleans = {true, false})
    void theNamedGroupIsTheScriptsProcessGroup(boolean leader) throws Exception {
        Path stat = Files.createTempFile("wrapper", ".stat");
        try {
            List<String> argv = new ArrayList<>(leader ? List.of("setsid") : List.of());
            argv.addAll(List.of("sh", "-c", RemoteScript.LINUX_WRAPPER));
            Process p = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try (var in = p.getOutputStream()) {
                in.write(("cat /proc/$$/stat > '" + stat + "'\n").getBytes(StandardCharsets.US_ASCII));
            }
            List<Long> named = new ArrayList<>();
            try (GroupIdFilter filter = new GroupIdFilter(null, named::add)) {
                p.getErrorStream().transferTo(filter);
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            Matcher m = STAT_GROUP.matcher(Files.readString(stat));
            assertTrue(m.find(), "bash's stat was written");
            assertEquals(List.of(Long.parseLong(m.group(2))), named, "the named id is the process group bash is in");
        } finally {
            Files.deleteIfExists(stat);
        }
    }
}
