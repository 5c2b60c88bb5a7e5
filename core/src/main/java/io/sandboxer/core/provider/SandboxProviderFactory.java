package io.sandboxer.core.provider;

import io.sandboxer.core.group.GroupSettings;

/**
 * {@link java.util.ServiceLoader} entry point of a backend. {@code S} is the backend's settings record: its own keys
 * only, bound from JSON by {@link io.sandboxer.core.settings.SettingsBinder} together with the {@link GroupSettings}
 * every backend shares, both validated before {@link #create} is called.
 */
public interface SandboxProviderFactory<S extends Record> {

    /** The backend name used in settings and launcher names: {@code libvirt}, {@code kubevirt}. */
    String name();

    Class<S> settingsType();

    /**
     * Connects to the backend for the group {@code group} names (its owner label and name prefix mark and find the
     * group's sandboxes); fails fast (with {@link SandboxException}) when it is unreachable or misconfigured.
     */
    SandboxProvider create(S settings, GroupSettings group);
}
