package io.sandboxer.core.provider;

import java.time.Duration;
import io.sandboxer.core.model.Quantity;

/**
 * What an operator's backend settings name for every sandbox: the image (libvirt's base volume name, KubeVirt's
 * containerDisk), and the sizes and the time to live ({@code ttl}) they set explicitly (null: not set; the backend's built-in default is not counted, so an
 * adapter that lets jobs size their VM bounds them only by what the operator chose). Adapters read these instead of the
 * backend's keys.
 */
public record SandboxDefaults(String image, Quantity cpu, Quantity memory, Quantity storage, Duration ttl) {
    public static final SandboxDefaults NONE = new SandboxDefaults(null, null, null, null, null);
}
