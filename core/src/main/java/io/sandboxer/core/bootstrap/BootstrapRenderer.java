package io.sandboxer.core.bootstrap;

/**
 * SPI: turns a {@link BootstrapSpec} into the exact bytes a guest reads at first boot. Implementations are
 * found with {@link java.util.ServiceLoader} by {@link #format()} through {@link BootstrapRenderers}.
 */
public interface BootstrapRenderer {

    /** The format name: {@code ignition} or {@code cloud-init}. */
    String format();

    /**
     * Renders the spec. Rejects, with an {@link IllegalArgumentException} naming the offending input, what the
     * guest would refuse (a user name with '/', a hostname over 63 characters, a CA text that is not PEM).
     */
    RenderedBootstrap render(BootstrapSpec spec);
}
