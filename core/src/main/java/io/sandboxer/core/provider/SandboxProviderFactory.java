package io.sandboxer.core.provider;

/**
 * {@link java.util.ServiceLoader} entry point of a backend. {@code S} is the backend's settings record,
 * bound from JSON by {@link io.sandboxer.core.settings.SettingsBinder} and validated before
 * {@link #create} is called.
 */
public interface SandboxProviderFactory<S extends Record> {

    /** The backend name used in settings and launcher names: {@code libvirt}, {@code kubevirt}. */
    String name();

    Class<S> settingsType();

    /** Connects to the backend; fails fast (with {@link SandboxException}) when it is unreachable or misconfigured. */
    SandboxProvider create(S settings);
}
