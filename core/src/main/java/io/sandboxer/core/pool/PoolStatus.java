package io.sandboxer.core.pool;

import java.time.Duration;
import java.util.List;

/** What {@link Pool#status} saw: the pool's target size and every member of the group, whatever its shape. */
public record PoolStatus(String shape, int size, List<Member> members) {
    public PoolStatus {
        members = List.copyOf(members);
    }

    /** READY: claimable now; BOOTING: its filler waits for it; CLAIMED: serving a job; STALE: to be recycled. */
    public enum Condition { READY, BOOTING, CLAIMED, STALE }

    /** {@code claimant}: the job's sandbox name when claimed, else null. */
    public record Member(String id, Condition condition, Duration age, String claimant, String why) {
    }

    public long count(Condition condition) {
        return members.stream().filter(m -> m.condition() == condition).count();
    }
}
