package io.sandboxer.adapter.fleeting;

import io.sandboxer.core.fleet.ReadinessProbe;
import io.sandboxer.core.lifecycle.GuestReady;
import io.sandboxer.core.ssh.HostKeyPolicy;
import io.sandboxer.core.ssh.SshOptions;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.LoggerFactory;

/**
 * The executable: {@code fleeting-plugin-libvirt} / {@code fleeting-plugin-kubevirt}. No argument = serve (how
 * the runner starts it); {@code version}, {@code -version}, {@code --version} print build information. The
 * launcher passes the default backend in {@code -Dsandboxer.backend}; {@code plugin_config} may name another
 * with {@code "provider"}.
 */
public final class FleetingPlugin {
    /** The build's training run for the AOT cache ({@link AotTraining}); not for the runner, not in the help. */
    static final String AOT_TRAINING = "aot-training";
    private FleetingPlugin() {
    }

    public static void main(String[] args) {
        String backend = System.getProperty("sandboxer.backend", "libvirt");
        BuildInfo build = BuildInfo.load("fleeting-plugin-" + backend);
        if (Arrays.stream(args).anyMatch(a -> a.equals("version") || a.equals("-version") || a.equals("--version"))) {
            System.out.print(build.text());
            return;
        }
        if (args.length == 1 && args[0].equals(AOT_TRAINING)) {
            System.exit(AotTraining.run(backend, build));
        }
        String capturePath = captureFile(args);
        // stdout belongs to the handshake alone: keep the real one, send everything else to stderr.
        PrintStream handshakeOut = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        SignalGuard.ignoreStopSignals();
        try {
            InstanceGroupService service = new InstanceGroupService(backend, FleetingPlugin::sshProbe, build);
            CaptureLog capture = capturePath == null ? null : new CaptureLog(Path.of(capturePath));
            GoPluginServer server = GoPluginServer.start(Handshake.fromEnvironment(System.getenv()), service, handshakeOut, service::closeQuietly,
                    capture);
            if (capture != null) {
                LoggerFactory.getLogger(FleetingPlugin.class).info("capture mode: recording every call to {}", capturePath);
            }
            if (!Handshake.MAGIC_COOKIE_VALUE.equals(System.getenv(Handshake.MAGIC_COOKIE_KEY))) {
                LoggerFactory.getLogger(FleetingPlugin.class).warn("{} is not set: this plugin is meant to be started by GitLab Runner "
                        + "(the fleeting library), not by hand", Handshake.MAGIC_COOKIE_KEY);
            }
            ParentWatch.start(() -> {
                service.closeQuietly();
                server.close();
            });
            server.awaitStop();
            System.exit(0);
        } catch (PluginStartException e) {
            LoggerFactory.getLogger(FleetingPlugin.class).error("cannot start: {}", e.getMessage());
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.exit(1);
        }
    }

    /** {@code --capture FILE} or {@code SANDBOXER_FLEETING_CAPTURE=FILE}. */
    static String captureFile(String[] args) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--capture")) {
                return args[i + 1];
            }
        }
        for (String a : args) {
            if (a.startsWith("--capture=")) {
                return a.substring("--capture=".length());
            }
        }
        String env = System.getenv("SANDBOXER_FLEETING_CAPTURE");
        return env == null || env.isBlank() ? null : env;
    }

    /** Running means: an SSH login with the connector's credentials runs a command. */
    static ReadinessProbe sshProbe(Connector connector) {
        return ReadinessProbe.of(new GuestReady(SshOptions.DEFAULT.withConnectTimeout(Duration.ofSeconds(5)),
                HostKeyPolicy.insecure("the instance's host key is not known to the plugin")));
    }
}
