package io.sandboxer.core.discovery;

import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Finds a {@link ServiceLoader} implementation by its name (a backend by {@code libvirt}, a renderer by
 * {@code ignition}), with one error wording for every kind: what was asked for and what is on the class path.
 */
public final class ServiceLookup<T> {
    private final Class<T> type;
    private final Function<T, String> nameOf;
    private final String kind;
    private final String whenNoneHint;

    /**
     * @param kind         how one is asked for in messages: "backend named", "bootstrap renderer for format"
     * @param whenNoneHint what to add to the class path when there is none at all
     */
    public ServiceLookup(Class<T> type, Function<T, String> nameOf, String kind, String whenNoneHint) {
        this.type = type;
        this.nameOf = nameOf;
        this.kind = kind;
        this.whenNoneHint = whenNoneHint;
    }

    public List<T> available(ClassLoader loader) {
        return ServiceLoader.load(type, loader).stream().map(ServiceLoader.Provider::get).toList();
    }

    /** The implementation named {@code name}; an {@link IllegalArgumentException} naming the available ones otherwise. */
    public T byName(String name, ClassLoader loader) {
        List<T> all = available(loader);
        return all.stream().filter(t -> nameOf.apply(t).equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + kind + " \"" + name + "\": "
                        + (all.isEmpty() ? "none is on the class path (" + whenNoneHint + ")"
                                : "available are " + all.stream().map(nameOf).sorted().collect(Collectors.joining(", ")))));
    }
}
