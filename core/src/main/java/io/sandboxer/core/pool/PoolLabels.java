package io.sandboxer.core.pool;

import io.sandboxer.core.model.Sandbox;

/**
 * The labels that make a sandbox a pool member, spelled once. Label values only (Kubernetes label syntax): the shape
 * key is hex, the claimant a sandbox name.
 */
public final class PoolLabels {
    /** On every member, for its whole life: the {@link PoolShape} key of the spec it was made with. */
    public static final String SHAPE = "sandboxer.io/pool";
    /** Set by the filler once the member answered an SSH login: only such members are claimed. */
    public static final String READY = "sandboxer.io/pool-ready";
    /** Set by the one claim that won: the job's sandbox name, or {@link #RECYCLED} for a member taken to be deleted. */
    public static final String CLAIMED_BY = "sandboxer.io/claimed-by";
    public static final String RECYCLED = "recycled";

    private PoolLabels() {
    }

    public static boolean isMember(Sandbox sandbox) {
        return sandbox.labels().containsKey(SHAPE);
    }

    public static boolean isClaimed(Sandbox sandbox) {
        return sandbox.labels().containsKey(CLAIMED_BY);
    }

    public static boolean isMarkedReady(Sandbox sandbox) {
        return "true".equals(sandbox.labels().get(READY));
    }
}
