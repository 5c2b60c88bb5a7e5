/**
 * The warm pool: sandboxes booted before any job asks, each claimed atomically by exactly one job and destroyed after
 * it ({@link io.sandboxer.core.pool.Pool}); how a claimed sandbox is found again under the job's name
 * ({@link io.sandboxer.core.pool.PooledNames}). Built on the backend's optional
 * {@link io.sandboxer.core.provider.Relabeling}; knows no backend.
 */
package io.sandboxer.core.pool;
