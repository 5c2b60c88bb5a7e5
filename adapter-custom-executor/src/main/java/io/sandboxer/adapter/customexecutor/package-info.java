/**
 * GitLab Runner custom-executor driver (picocli): config, prepare, run, cleanup, gc.
 */
package io.sandboxer.adapter.customexecutor;
