package io.sandboxer.core.provider;

/**
 * Optional backend capability: find and remove what a process killed half-way through a create or delete left behind
 * (an overlay before its domain was defined, a Secret without its VMI), which {@link SandboxProvider#list()} cannot see.
 */
public interface OrphanCollector {

    /**
     * Removes (or, with {@link GarbageQuery#dryRun()}, only lists) the group's leftovers that belong to no sandbox and
     * are older than the query's grace; the report's {@code orphans} and {@code failures} say what and what not.
     */
    GarbageReport collectOrphans(GarbageQuery query);
}
