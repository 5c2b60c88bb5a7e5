package io.sandboxer.core.provider;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The undo steps of a create in progress (a saga): each step that made something registers how to remove it; when a
 * later step fails, {@link #undo} removes everything made so far, newest first, and keeps going when one undo fails
 * (its failure is attached to the cause, so nothing is hidden). Every backend's {@code create} uses one.
 */
public final class Rollback {
    private static final Logger LOG = LoggerFactory.getLogger(Rollback.class);

    /** Removes what one step made. */
    @FunctionalInterface
    public interface Undo {
        void run() throws Exception;
    }

    private record Step(String what, Undo undo) {
    }

    private final String sandbox;
    private final Deque<Step> steps = new ArrayDeque<>();

    public Rollback(String sandbox) {
        this.sandbox = sandbox;
    }

    /** Registers what a step that succeeded made, and how to remove it. */
    public void made(String what, Undo undo) {
        steps.push(new Step(what, undo));
    }

    /** Removes everything made so far, newest first; returns {@code cause} with every undo failure attached. */
    public <E extends Throwable> E undo(E cause) {
        while (!steps.isEmpty()) {
            Step step = steps.pop();
            try {
                step.undo().run();
                LOG.info("rolled back {} of {}", step.what(), sandbox);
            } catch (Exception e) {
                cause.addSuppressed(e);
                LOG.error("rolling back {} of {} failed: {}", step.what(), sandbox, e.getMessage());
            }
        }
        return cause;
    }
}
