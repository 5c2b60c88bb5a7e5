package io.sandboxer.core.bootstrap;

import io.sandboxer.core.discovery.ServiceLookup;
import java.util.List;

/** Finds {@link BootstrapRenderer}s on the class path by format name. */
public final class BootstrapRenderers {
    private static final ServiceLookup<BootstrapRenderer> LOOKUP = new ServiceLookup<>(BootstrapRenderer.class, BootstrapRenderer::format,
            "bootstrap renderer for format", "add sandboxer-bootstrap-ignition or sandboxer-bootstrap-cloudinit");

    private BootstrapRenderers() {
    }

    public static BootstrapRenderer byFormat(String format) {
        return byFormat(format, BootstrapRenderers.class.getClassLoader());
    }

    public static BootstrapRenderer byFormat(String format, ClassLoader loader) {
        return LOOKUP.byName(format, loader);
    }

    public static List<BootstrapRenderer> available(ClassLoader loader) {
        return LOOKUP.available(loader);
    }
}
