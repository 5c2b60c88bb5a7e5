/**
 * SandboxProvider on the fabric8 client: one VirtualMachineInstance and one Secret per sandbox; backend name {@code kubevirt}.
 */
package io.sandboxer.backend.kubevirt;
