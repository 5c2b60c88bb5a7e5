/**
 * The {@code sandboxer} command: a GitLab Runner custom-executor driver ({@code config}, {@code prepare},
 * {@code run}, {@code cleanup}) plus {@code gc}, on either backend. Every stage is its own process and keeps no
 * state in memory: the sandbox's identity is derived from the job, its credentials live with the sandbox.
 */
package io.sandboxer.adapter.customexecutor;
