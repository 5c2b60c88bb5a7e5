package io.sandboxer.core.provider;

import io.sandboxer.core.group.GroupSettings;
import io.sandboxer.core.model.ImageRef;
import java.util.Set;

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
     * The image and sizes {@code settings} name for every sandbox; {@code given} are the keys the operator wrote (a size
     * counts only when given, not when it is the record's default).
     */
    default SandboxDefaults defaults(S settings, Set<String> given) {
        return SandboxDefaults.NONE;
    }

    /** A job's image, by name, as this backend boots it: a container image unless the backend says otherwise. */
    default ImageRef imageNamed(S settings, String name) {
        return new ImageRef.ContainerDisk(name);
    }

    /**
     * Connects to the backend for the group {@code group} names (its owner label and name prefix mark and find the
     * group's sandboxes); fails fast (with {@link SandboxException}) when it is unreachable or misconfigured.
     */
    SandboxProvider create(S settings, GroupSettings group);

    /**
     * A provider for sandboxes that already exist (get, list, connect info, delete), for the stages that only use
     * or remove them: the checks that only creating needs (a base image, boot files, host limits) are skipped, so a
     * base image being replaced never stops a cleanup. Its {@code create} refuses. Backends whose opening checks
     * nothing of the sort keep this default, {@link #create}.
     */
    default SandboxProvider openExisting(S settings, GroupSettings group) {
        return create(settings, group);
    }
}
