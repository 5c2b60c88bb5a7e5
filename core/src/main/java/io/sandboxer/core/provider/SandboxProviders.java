package io.sandboxer.core.provider;

import com.fasterxml.jackson.databind.JsonNode;
import io.sandboxer.core.settings.SettingsBinder;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Finds backends on the class path by name and creates providers from JSON settings. */
public final class SandboxProviders {
    private SandboxProviders() {
    }

    public static SandboxProviderFactory<?> factory(String name) {
        return factory(name, SandboxProviders.class.getClassLoader());
    }

    public static SandboxProviderFactory<?> factory(String name, ClassLoader loader) {
        List<SandboxProviderFactory<?>> all = available(loader);
        return all.stream()
                .filter(f -> f.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no backend named \"" + name + "\": "
                        + (all.isEmpty() ? "none is on the class path (add sandboxer-backend-libvirt or sandboxer-backend-kubevirt)"
                                : "available are " + all.stream().map(SandboxProviderFactory::name).sorted().collect(Collectors.joining(", ")))));
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    public static List<SandboxProviderFactory<?>> available(ClassLoader loader) {
        return (List) ServiceLoader.load(SandboxProviderFactory.class, loader).stream().map(ServiceLoader.Provider::get).toList();
    }

    /** Binds and validates {@code settings} (all problems reported at once), then creates the provider. */
    public static SandboxProvider create(String name, JsonNode settings, String settingsPath) {
        return createTyped(factory(name), settings, settingsPath);
    }

    private static <S extends Record> SandboxProvider createTyped(SandboxProviderFactory<S> factory, JsonNode settings, String path) {
        S bound = new SettingsBinder().bind(settings, factory.settingsType(), path);
        return factory.create(bound);
    }
}
