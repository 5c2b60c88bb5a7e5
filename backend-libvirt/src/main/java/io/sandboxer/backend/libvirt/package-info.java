/**
 * SandboxProvider on libvirt-java: qcow2 overlays, domain XML, fw_cfg / NoCloud bootstrap; backend name {@code libvirt}.
 */
package io.sandboxer.backend.libvirt;
