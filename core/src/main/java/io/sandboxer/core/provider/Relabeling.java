package io.sandboxer.core.provider;

/**
 * Optional backend capability the warm pool ({@code core.pool}) is built on: changing the labels and expiry of a
 * sandbox that runs, once plainly (the filler marks its own sandbox ready) and once as an atomic claim (two callers
 * racing for the same sandbox with the same guard: exactly one succeeds, in one process or on two hosts).
 */
public interface Relabeling {

    /**
     * Applies {@code change} atomically. Returns false, changing nothing, when the sandbox is gone, when it carries the
     * change's guard label already (someone else claimed it), or when this process could not use it (a libvirt sandbox
     * whose credentials another host's state directory holds).
     */
    boolean relabel(String id, LabelChange change);
}
