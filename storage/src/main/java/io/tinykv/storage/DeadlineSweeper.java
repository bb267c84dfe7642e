package io.tinykv.storage;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread per JVM that fails the overdue answers of every live {@link AnswerDeadline}, every
 * {@link #SWEEP_INTERVAL}: an answer is failed between its timeout and one interval after it.
 *
 * <p>A thread of its own, not a store's Raft or network thread: a timeout matters most when those
 * are stuck (a disk that does not return an fsync). It holds its deadlines weakly, so a deadline
 * nobody uses any more (a test's storage) is dropped, and it starts with the first deadline, so a
 * JVM without one (a client) has no such thread.
 */
final class DeadlineSweeper {

    private static final Logger LOG = LoggerFactory.getLogger(DeadlineSweeper.class);

    /** The lateness of a timeout's answer; short next to any command timeout (seconds). */
    static final Duration SWEEP_INTERVAL = Duration.ofMillis(10);

    private static final DeadlineSweeper SHARED = new DeadlineSweeper();

    private final List<WeakReference<AnswerDeadline>> deadlines = new CopyOnWriteArrayList<>();
    private Thread thread;

    static DeadlineSweeper shared() {
        return SHARED;
    }

    synchronized void register(AnswerDeadline deadline) {
        deadlines.add(new WeakReference<>(deadline));
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("answer-deadlines").start(this::run);
        }
    }

    private void run() {
        long intervalNanos = SWEEP_INTERVAL.toNanos();
        while (true) {
            LockSupport.parkNanos(intervalNanos);
            sweepOnce();
        }
    }

    /** Expires what is overdue in every live deadline and forgets the collected ones. */
    void sweepOnce() {
        for (WeakReference<AnswerDeadline> ref : deadlines) {
            AnswerDeadline deadline = ref.get();
            if (deadline == null) {
                deadlines.remove(ref);
                continue;
            }
            try {
                deadline.expireOverdue();
            } catch (RuntimeException e) {
                // A failed answer's dependents run here; one that throws must not end the sweeping.
                LOG.warn("expiring overdue answers failed", e);
            }
        }
    }
}
