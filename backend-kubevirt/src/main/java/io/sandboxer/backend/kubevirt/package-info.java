/**
 * SandboxProvider on the fabric8 Kubernetes client: one VirtualMachineInstance and one Secret (cloud-init user
 * data and credentials) per sandbox; backend name {@code kubevirt}. The VMI model is generated at build time
 * from KubeVirt's v1 CRD ({@code io.sandboxer.backend.kubevirt.model.v1}).
 */
package io.sandboxer.backend.kubevirt;
