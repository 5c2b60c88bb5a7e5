/**
 * cloud-init NoCloud (Linux) and Cloudbase-Init (Windows) bootstrap renderer; format name {@code cloud-init}.
 */
package io.sandboxer.bootstrap.cloudinit;
