package io.sandboxer.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import io.sandboxer.core.discovery.ServiceLookup;
import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.model.ImageRef;
import io.sandboxer.core.settings.SettingsBinder;
import io.sandboxer.core.settings.SettingsException;
import io.sandboxer.core.settings.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Finds backends on the class path by name and creates providers from JSON settings. */
public final class SandboxProviders {
    private static final ServiceLookup<SandboxProviderFactory<?>> LOOKUP = new ServiceLookup<>(factoryType(),
            factory -> factory.name(), "backend named", "add sandboxer-backend-libvirt or sandboxer-backend-kubevirt");

    private SandboxProviders() {
    }

    public static SandboxProviderFactory<?> factory(String name) {
        return factory(name, SandboxProviders.class.getClassLoader());
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static Class<SandboxProviderFactory<?>> factoryType() {
        return (Class) SandboxProviderFactory.class; // the wildcard type has no class literal of its own
    }

    public static SandboxProviderFactory<?> factory(String name, ClassLoader loader) {
        return LOOKUP.byName(name, loader);
    }

    public static List<SandboxProviderFactory<?>> available(ClassLoader loader) {
        return LOOKUP.available(loader);
    }

    /** Binds and validates {@code settings} (all problems reported at once), then creates the provider. */
    public static SandboxProvider create(String name, JsonNode settings, String settingsPath) {
        return bind(name, settings, settingsPath).open();
    }

    /**
     * The settings of backend {@code name} bound and validated (every problem at once): the shared {@link GroupSettings}
     * and the backend's own record, each from its own keys of the same object.
     */
    public static Configured<?> bind(String name, JsonNode settings, String settingsPath) {
        return bindTyped(factory(name), settings, settingsPath);
    }

    private static <S extends Record> Configured<S> bindTyped(SandboxProviderFactory<S> factory, JsonNode settings, String path) {
        List<Violation> problems = new ArrayList<>();
        JsonNode named = settings == null ? null : settings.get("provider");
        if (named != null && !named.asText().equals(factory.name())) {
            // Settings written for another backend: their keys would mostly be "unknown"; say what is wrong first.
            problems.add(new Violation(path.isEmpty() ? "provider" : path + ".provider", named.asText(), "must be one of " + factory.name()
                    + " (these settings are read by the " + factory.name() + " backend)"));
        }
        try {
            var both = new SettingsBinder().bindBoth(settings, GroupSettings.class, factory.settingsType(), path);
            if (problems.isEmpty()) {
                Set<String> given = new TreeSet<>();
                if (settings != null) {
                    settings.fieldNames().forEachRemaining(given::add);
                }
                return new Configured<>(factory, both.first(), both.second(), Set.copyOf(given));
            }
        } catch (SettingsException e) {
            problems.addAll(e.violations());
        }
        throw new SettingsException(problems);
    }

    /** Bound settings of one backend, ready to {@link #open}; {@code given} are the keys the settings object had. */
    public record Configured<S extends Record>(SandboxProviderFactory<S> factory, GroupSettings group, S backend, Set<String> given) {
        public SandboxProvider open() {
            return factory.create(backend, group);
        }

        /** For sandboxes that exist already: see {@link SandboxProviderFactory#openExisting}. */
        public SandboxProvider openExisting() {
            return factory.openExisting(backend, group);
        }

        /** The image and the explicitly set sizes, as the backend reads its own settings. */
        public SandboxDefaults defaults() {
            return factory.defaults(backend, given);
        }

        /** A job's image, by name, as this backend boots it. */
        public ImageRef imageNamed(String name) {
            return factory.imageNamed(backend, name);
        }
    }
}
