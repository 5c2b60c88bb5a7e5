package io.sandboxer.adapter.customexecutor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sandboxer.core.errors.UserMessages;
import io.sandboxer.core.pool.PooledNames;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.provider.SandboxProviders;
import io.sandboxer.core.settings.SettingsBinder;
import io.sandboxer.core.settings.SettingsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * Options every stage shares: the optional settings file (the same JSON schema as the Fleeting plugin's
 * {@code plugin_config}), the backend, and the KubeVirt Go tool's global {@code --namespace}.
 */
final class DriverConfig {
    @Option(names = "--config", paramLabel = "FILE", description = "Backend settings as JSON (the Fleeting plugin_config schema).")
    Path configFile;
    @Option(names = "--backend", description = "libvirt or kubevirt (default: \"provider\" in the settings, else kubevirt).")
    String backend;
    @Option(names = "--namespace", defaultValue = "${env:KUBEVIRT_NAMESPACE}", description = "KubeVirt namespace (env KUBEVIRT_NAMESPACE).")
    String namespace;
    static final String DEFAULT_PREFIX = "sandboxer";

    @Option(names = "--name-prefix", defaultValue = DEFAULT_PREFIX,
            description = "Prefix of sandbox names: lowercase letters, digits and '-', starting with a letter, at most 29 characters (default: ${DEFAULT-VALUE}).")
    String namePrefix;

    /** Room for "-j", a 19-digit job id, "-" and 12 hex digits within a 63-character DNS label. */
    static final int MAX_PREFIX_LENGTH = 29;
    private static final Pattern PREFIX = Pattern.compile("[a-z]([a-z0-9-]*[a-z0-9])?");

    /**
     * The validated name prefix, the same check in every stage: a name becomes a domain, a volume, a file under
     * state_dir and a Kubernetes object, so a prefix that one stage would refuse is refused by all of them.
     */
    String prefix() {
        return checkedPrefix(namePrefix);
    }

    static String checkedPrefix(String namePrefix) {
        if (namePrefix == null || namePrefix.length() > MAX_PREFIX_LENGTH || !PREFIX.matcher(namePrefix).matches()) {
            throw new StageException("--name-prefix \"" + namePrefix + "\" is not allowed: use lowercase letters, digits and '-', starting with a "
                    + "letter and not ending with '-', at most " + MAX_PREFIX_LENGTH + " characters");
        }
        return namePrefix;
    }

    /** These options as arguments, for a process of this driver started from this one (the agent, the pool's refill). */
    List<String> arguments() {
        List<String> args = new ArrayList<>(List.of("--name-prefix", prefix()));
        if (configFile != null) {
            args.addAll(List.of("--config", configFile.toAbsolutePath().toString()));
        }
        if (backend != null) {
            args.addAll(List.of("--backend", backend));
        }
        if (namespace != null && !namespace.isBlank()) {
            args.addAll(List.of("--namespace", namespace));
        }
        return args;
    }

    ObjectNode settings() {
        ObjectNode json;
        if (configFile != null) {
            String text;
            try {
                if (Files.isDirectory(configFile)) {
                    throw new StageException("--config " + configFile + " is a directory; give the settings file (JSON)");
                }
                text = Files.readString(configFile);
            } catch (IOException e) {
                throw new StageException("cannot read --config " + configFile + ": " + UserMessages.of(e), e);
            }
            try {
                JsonNode read = SettingsBinder.parse(text, configFile.getFileName().toString());
                if (!(read instanceof ObjectNode object)) {
                    throw new StageException("--config " + configFile + " must hold a JSON object");
                }
                json = object;
            } catch (SettingsException e) {
                throw new StageException("--config " + configFile + ": " + e.getMessage(), e);
            }
        } else {
            json = new ObjectMapper().createObjectNode();
        }
        if (backend != null) {
            json.put("provider", backend);
        }
        if (namespace != null && !namespace.isBlank() && "kubevirt".equals(backendName(json))) {
            json.put("namespace", namespace);
        }
        return json;
    }

    static String backendName(JsonNode settings) {
        return settings.path("provider").asText("kubevirt");
    }

    /**
     * Connects for sandboxes that exist already (run, cleanup, the agent): without the checks only creating needs, so a
     * base image being replaced never stops a cleanup. A job's name reaches the pool member it claimed ({@link PooledNames}).
     */
    SandboxProvider openExisting(ObjectNode settings) {
        return PooledNames.resolving(bind(settings).openExisting());
    }

    /** The group's and the backend's settings, bound and checked (nothing is connected yet); bad settings name the field. */
    SandboxProviders.Configured<?> bind(ObjectNode settings) {
        try {
            return SandboxProviders.bind(backendName(settings), settings, configFile == null ? "settings" : configFile.getFileName().toString());
        } catch (SettingsException e) {
            throw new StageException(e.getMessage(), e);
        }
    }
}
