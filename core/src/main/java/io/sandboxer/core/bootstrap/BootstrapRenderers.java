package io.sandboxer.core.bootstrap;

import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Finds {@link BootstrapRenderer}s on the class path by format name. */
public final class BootstrapRenderers {
    private BootstrapRenderers() {
    }

    public static BootstrapRenderer byFormat(String format) {
        return byFormat(format, BootstrapRenderers.class.getClassLoader());
    }

    public static BootstrapRenderer byFormat(String format, ClassLoader loader) {
        List<BootstrapRenderer> all = available(loader);
        return all.stream()
                .filter(r -> r.format().equals(format))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no bootstrap renderer for format \"" + format + "\": "
                        + (all.isEmpty() ? "none is on the class path (add sandboxer-bootstrap-ignition or sandboxer-bootstrap-cloudinit)"
                                : "available are " + all.stream().map(BootstrapRenderer::format).sorted().collect(Collectors.joining(", ")))));
    }

    public static List<BootstrapRenderer> available(ClassLoader loader) {
        return ServiceLoader.load(BootstrapRenderer.class, loader).stream().map(ServiceLoader.Provider::get).toList();
    }
}
