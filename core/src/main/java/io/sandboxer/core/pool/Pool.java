package io.sandboxer.core.pool;

import io.sandboxer.core.group.PoolSettings;
import io.sandboxer.core.lifecycle.Deadline;
import io.sandboxer.core.lifecycle.ProgressListener;
import io.sandboxer.core.lifecycle.Readiness;
import io.sandboxer.core.lifecycle.ReadySandbox;
import io.sandboxer.core.model.ConnectInfo;
import io.sandboxer.core.model.Sandbox;
import io.sandboxer.core.model.SandboxSpec;
import io.sandboxer.core.model.SandboxState;
import io.sandboxer.core.provider.LabelChange;
import io.sandboxer.core.provider.Relabeling;
import io.sandboxer.core.provider.SandboxException;
import io.sandboxer.core.provider.SandboxProvider;
import io.sandboxer.core.ssh.SshException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A warm pool: up to {@code size} sandboxes booted ahead of any job ({@link #fill}), each handed to exactly one job
 * ({@link #claim}) and never back (the job's cleanup deletes it, as a cold-created one). Everything the pool knows is
 * in the members' labels ({@link PoolLabels}), so any process, on any host that reaches the backend, sees the same pool,
 * and a process killed at any point leaves a member (booting, ready or claimed) or nothing: {@link #fill} and
 * {@link #recycle} remove members that never became ready, that are too old, or whose shape is no longer the pool's.
 *
 * <p>Claims are atomic through the backend's {@link Relabeling}: the claim label is set only when absent, so two
 * claims racing for the same member, in one JVM or on two hosts, see exactly one winner; the loser tries the next
 * member. A member is deleted only after it was claimed (by a job, or by {@link PoolLabels#RECYCLED} for recycling), so
 * a recycle never removes a member a job has just taken.
 *
 * <p>Members are made for one login (user, port, shape) with credentials of their own, never shared between members.
 * Callers ask the pool only for jobs whose credentials are generated per sandbox: a job that brings its own password
 * or key needs a sandbox bootstrapped with it, so it is created cold.
 */
public final class Pool {
    private static final Logger LOG = LoggerFactory.getLogger(Pool.class);
    /** A claimed member gets at most this long (or the job's deadline, when sooner) to answer a login before it is dropped. */
    static final Duration MEMBER_CHECK_LIMIT = Duration.ofSeconds(60);
    /** Member names are {@code <prefix>-p<10 of these>}: never a job's ({@code <prefix>-j…}) or a Fleeting instance's. */
    public static final String MEMBER_INFIX = "-p";
    private static final char[] NAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SandboxProvider provider;
    private final Relabeling labels;
    private final PoolSettings settings;
    private final String namePrefix;
    private final Function<String, SandboxSpec> memberSpec;
    private final Readiness readiness;
    private final Clock clock;
    private final int parallelCreates;
    private volatile String shape;

    /**
     * @param memberSpec the spec of a new member of the given name, with fresh credentials of its own each call
     * @param parallelCreates how many members {@link #fill} makes at a time
     */
    public Pool(SandboxProvider provider, PoolSettings settings, String namePrefix, Function<String, SandboxSpec> memberSpec,
            Readiness readiness, Clock clock, int parallelCreates) {
        this.provider = Objects.requireNonNull(provider, "provider");
        if (!(provider instanceof Relabeling relabeling)) {
            throw new IllegalArgumentException("this backend cannot relabel its sandboxes atomically, so it cannot hold a warm pool");
        }
        this.labels = relabeling;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.namePrefix = Objects.requireNonNull(namePrefix, "namePrefix");
        this.memberSpec = Objects.requireNonNull(memberSpec, "memberSpec");
        this.readiness = Objects.requireNonNull(readiness, "readiness");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.parallelCreates = Math.max(1, parallelCreates);
    }

    /** Whether the backend behind {@code provider} can hold a pool. */
    public static boolean supports(SandboxProvider provider) {
        return provider instanceof Relabeling;
    }

    public PoolSettings settings() {
        return settings;
    }

    /** The {@link PoolShape} key of the pool's members. */
    public String shape() {
        String known = shape;
        if (known == null) {
            known = PoolShape.key(memberSpec.apply(namePrefix + MEMBER_INFIX + "shape"));
            shape = known;
        }
        return known;
    }

    /** Whether a member could serve a job with this spec; when not, the job is created cold. */
    public boolean matches(SandboxSpec job) {
        return PoolShape.key(job).equals(shape());
    }

    /** {@link #claim(SandboxSpec, Deadline, ProgressListener)} without progress. */
    public Optional<ReadySandbox> claim(SandboxSpec job, Deadline deadline) {
        return claim(job, deadline, ProgressListener.SILENT);
    }

    /**
     * A ready member for the job, claimed for it alone: labelled with the job's labels and name, its expiry set as a
     * sandbox created for the job now would have it; {@code progress} hears {@code created} once the claim is won, before
     * the login check. Empty when the pool is off, the job's spec is not the pool's, or
     * no member is ready: the caller creates the sandbox cold. A claimed member that does not answer a login is
     * deleted and the next is tried.
     */
    public Optional<ReadySandbox> claim(SandboxSpec job, Deadline deadline, ProgressListener progress) {
        if (!settings.enabled() || !matches(job)) {
            return Optional.empty();
        }
        Map<String, String> put = new HashMap<>(job.labels());
        put.put(PoolLabels.CLAIMED_BY, job.name());
        LabelChange claim = new LabelChange(put, PoolLabels.CLAIMED_BY, job.ttl() != null ? LabelChange.Expiry.after(job.ttl()) : LabelChange.Expiry.BACKEND_TTL);
        for (Sandbox candidate : claimable()) {
            if (deadline.isExpired()) {
                return Optional.empty();
            }
            if (!labels.relabel(candidate.id(), claim)) {
                LOG.debug("{} was claimed by someone else first", candidate.id());
                continue;
            }
            progress.step("claimed the pooled sandbox " + candidate.id() + " for " + job.name() + " (booted "
                    + age(candidate).toSeconds() + " s ago)");
            progress.created(candidate.id()); // what runs alongside the wait (the custom executor's agent) may start now
            Deadline check = Deadline.after(min(MEMBER_CHECK_LIMIT, deadline.remaining()), deadline.clock());
            try {
                ConnectInfo info = readiness.await(provider, candidate.id(), check, progress);
                return Optional.of(new ReadySandbox(provider.get(candidate.id()).orElse(candidate), info));
            } catch (SandboxException | SshException e) {
                progress.step("the pooled sandbox " + candidate.id() + " does not answer (" + e.getMessage() + "): deleting it");
                deleteQuietly(candidate.id());
            }
        }
        return Optional.empty();
    }

    /** Members a job may claim now, oldest first (the longest booted are the surest to be up). */
    private List<Sandbox> claimable() {
        String key = shape();
        Instant now = clock.instant();
        return provider.list().stream()
                .filter(s -> key.equals(s.labels().get(PoolLabels.SHAPE)) && PoolLabels.isMarkedReady(s) && !PoolLabels.isClaimed(s))
                .filter(s -> s.state() == SandboxState.RUNNING && !tooOld(s, now))
                .sorted(Comparator.comparing(Sandbox::createdAt, Comparator.nullsLast(Comparator.naturalOrder())))
                .toList();
    }

    /** What {@link #fill} did: the members it made ready, and those that failed (and were deleted). */
    public record FillReport(List<String> recycled, List<String> made, Map<String, String> failed) {
    }

    /**
     * Recycles stale members, then makes new ones until {@code size} members are ready or booting, waits for each to
     * answer a login and marks it ready. A member that does not become ready within {@code boot_timeout} is deleted.
     * Safe to run from several processes at once: at worst the pool is briefly larger than its size.
     */
    public FillReport fill(ProgressListener progress) {
        List<String> recycled = recycle();
        if (!settings.enabled()) {
            return new FillReport(recycled, List.of(), Map.of());
        }
        String key = shape();
        List<Sandbox> present = provider.list().stream()
                .filter(s -> key.equals(s.labels().get(PoolLabels.SHAPE)) && !PoolLabels.isClaimed(s) && s.state() != SandboxState.FAILED)
                .toList();
        int trimmed = 0;
        if (present.size() > settings.size()) {
            List<String> extra = trim(present);
            trimmed = extra.size();
            recycled = new ArrayList<>(recycled);
            recycled.addAll(extra);
        }
        int missing = Math.max(0, settings.size() - (present.size() - trimmed));
        if (missing == 0) {
            return new FillReport(List.copyOf(recycled), List.of(), Map.of());
        }
        progress.step("making " + missing + " pooled sandbox(es) (" + (present.size() - trimmed) + " of " + settings.size() + " present)");
        List<String> made = new ArrayList<>();
        Map<String, String> failed = new HashMap<>();
        Semaphore slots = new Semaphore(parallelCreates);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> results = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < missing; i++) {
                String name = newMemberName();
                names.add(name);
                results.add(threads.submit(() -> {
                    slots.acquire();
                    try {
                        return makeMember(name, progress);
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (int i = 0; i < results.size(); i++) {
                try {
                    String why = results.get(i).get();
                    if (why == null) {
                        made.add(names.get(i));
                    } else {
                        failed.put(names.get(i), why);
                    }
                } catch (Exception e) {
                    failed.put(names.get(i), String.valueOf(e.getMessage()));
                }
            }
        }
        return new FillReport(recycled, List.copyOf(made), Map.copyOf(failed));
    }

    /**
     * More members than {@code size} (fills on two hosts at once, or a smaller size now): the newest ready ones beyond
     * {@code size} ready go. Booting ones stay, since another filler may be waiting for them; a later fill trims them
     * once they are ready.
     */
    private List<String> trim(List<Sandbox> present) {
        List<Sandbox> ready = present.stream().filter(PoolLabels::isMarkedReady)
                .sorted(Comparator.comparing(Sandbox::createdAt, Comparator.nullsFirst(Comparator.<Instant>naturalOrder())).reversed())
                .toList();
        List<String> removed = new ArrayList<>();
        int excess = Math.min(present.size(), ready.size()) - settings.size(); // keep size ready ones, whatever else boots
        for (int i = 0; i < excess; i++) {
            if (takeAndDelete(ready.get(i).id())) {
                LOG.info("recycled pooled sandbox {}: the pool holds more than pool.size {}", ready.get(i).id(), settings.size());
                removed.add(ready.get(i).id());
            }
        }
        return removed;
    }

    /** Creates one member and waits for it; null when it is ready and marked, else why not (it is deleted then). */
    private String makeMember(String name, ProgressListener progress) {
        SandboxSpec spec = member(name);
        try {
            provider.create(spec);
            progress.step("pooled sandbox " + name + " created; waiting for it to boot");
            readiness.await(provider, name, Deadline.after(settings.bootTimeout(), clock), ProgressListener.SILENT);
            if (!labels.relabel(name, LabelChange.put(Map.of(PoolLabels.READY, "true")))) {
                return "it disappeared before it was marked ready";
            }
            progress.step("pooled sandbox " + name + " is ready");
            return null;
        } catch (SandboxException | SshException e) {
            progress.step("pooled sandbox " + name + " failed: " + e.getMessage() + "; deleting it");
            deleteQuietly(name);
            return e.getMessage();
        }
    }

    /** The member spec of {@code name}: the pool's spec, its shape label, and an expiry that outlives max_age. */
    private SandboxSpec member(String name) {
        SandboxSpec base = memberSpec.apply(name);
        Map<String, String> memberLabels = new HashMap<>(base.labels());
        memberLabels.put(PoolLabels.SHAPE, shape());
        // A backstop only: recycle() removes a member once older than max_age; gc's expiry removes it should nothing recycle.
        return base.toBuilder(name).labels(memberLabels).ttl(settings.maxAge().plus(settings.bootTimeout())).build();
    }

    private String newMemberName() {
        char[] suffix = new char[10];
        for (int i = 0; i < suffix.length; i++) {
            suffix[i] = NAME_CHARS[RANDOM.nextInt(NAME_CHARS.length)];
        }
        return namePrefix + MEMBER_INFIX + new String(suffix);
    }

    /**
     * Deletes the unclaimed members that can no longer serve: older than {@code max_age}, booting for longer than
     * {@code boot_timeout} (their filler died), failed, or of another shape than the pool's (its settings changed), and
     * every unclaimed member when the pool is off. Each is claimed as {@link PoolLabels#RECYCLED} first, so a job's claim
     * racing with it wins or loses cleanly. Claimed members are their jobs'.
     */
    public List<String> recycle() {
        List<String> removed = new ArrayList<>();
        Instant now = clock.instant();
        for (Sandbox member : provider.list()) {
            if (!PoolLabels.isMember(member) || PoolLabels.isClaimed(member)) {
                continue;
            }
            String why = staleness(member, now);
            if (why != null && takeAndDelete(member.id())) {
                LOG.info("recycled pooled sandbox {}: {}", member.id(), why);
                removed.add(member.id());
            }
        }
        return removed;
    }

    /** Why an unclaimed member should go, or null when it may stay. */
    private String staleness(Sandbox member, Instant now) {
        if (!settings.enabled()) {
            return "the pool is off (pool.size is 0)";
        }
        if (!shape().equals(member.labels().get(PoolLabels.SHAPE))) {
            return "made for another pool spec";
        }
        if (member.state() == SandboxState.FAILED) {
            return "failed" + (member.detail() == null ? "" : " (" + member.detail() + ")");
        }
        if (tooOld(member, now)) {
            return "older than max_age " + settings.maxAge();
        }
        if (!PoolLabels.isMarkedReady(member) && member.createdAt() != null
                && member.createdAt().plus(settings.bootTimeout()).isBefore(now)) {
            return "not ready after boot_timeout " + settings.bootTimeout();
        }
        return null;
    }

    /** Deletes every unclaimed member (any shape); claimed ones stay with their jobs. */
    public List<String> drain() {
        List<String> removed = new ArrayList<>();
        for (Sandbox member : provider.list()) {
            if (PoolLabels.isMember(member) && !PoolLabels.isClaimed(member) && takeAndDelete(member.id())) {
                removed.add(member.id());
            }
        }
        return removed;
    }

    private boolean takeAndDelete(String id) {
        if (!labels.relabel(id, new LabelChange(Map.of(PoolLabels.CLAIMED_BY, PoolLabels.RECYCLED), PoolLabels.CLAIMED_BY, LabelChange.Expiry.KEEP))) {
            return false; // a job claimed it meanwhile
        }
        provider.delete(id);
        return true;
    }

    /** Every member of the group, with what it is doing. */
    public PoolStatus status() {
        Instant now = clock.instant();
        List<PoolStatus.Member> members = new ArrayList<>();
        for (Sandbox s : provider.list()) {
            if (!PoolLabels.isMember(s)) {
                continue;
            }
            String claimant = s.labels().get(PoolLabels.CLAIMED_BY);
            String stale = claimant == null ? staleness(s, now) : null;
            PoolStatus.Condition condition = claimant != null ? PoolStatus.Condition.CLAIMED
                    : stale != null ? PoolStatus.Condition.STALE
                    : PoolLabels.isMarkedReady(s) ? PoolStatus.Condition.READY : PoolStatus.Condition.BOOTING;
            members.add(new PoolStatus.Member(s.id(), condition, age(s), claimant, stale));
        }
        members.sort(Comparator.comparing(PoolStatus.Member::id));
        return new PoolStatus(settings.enabled() ? shape() : null, settings.size(), members);
    }

    private boolean tooOld(Sandbox member, Instant now) {
        return member.createdAt() != null && member.createdAt().plus(settings.maxAge()).isBefore(now);
    }

    private Duration age(Sandbox sandbox) {
        return sandbox.createdAt() == null ? Duration.ZERO : Duration.between(sandbox.createdAt(), clock.instant());
    }

    private void deleteQuietly(String id) {
        try {
            provider.delete(id);
        } catch (SandboxException e) {
            LOG.warn("could not delete pooled sandbox {} (gc retries): {}", id, e.getMessage());
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
