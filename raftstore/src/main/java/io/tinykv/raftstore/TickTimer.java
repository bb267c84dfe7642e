package io.tinykv.raftstore;

import io.tinykv.raftstore.read.LeaderLease;

/**
 * When the next Raft tick is due on a monotonic clock. Two ticks are never less than an interval
 * apart: a tick that fires late pushes the next one back, and ticks missed while the thread was
 * paused or busy are skipped rather than fired in a burst. A burst right after a follower heard
 * the leader would run its vote refusal out in no time, and the leader lease relies on that
 * refusal lasting {@code electionTicks - 1} intervals of real time ({@link LeaderLease}). Ticks are
 * for timeouts, which only ever grow from this.
 *
 * <p>Clock readings are compared by difference (they may wrap). Owned by one thread.
 */
final class TickTimer {

    private final long intervalNanos;
    private long nextTickNanos;

    /** The first tick is due one interval after {@code startNanos}. */
    TickTimer(long intervalNanos, long startNanos) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("intervalNanos must be > 0, got " + intervalNanos);
        }
        this.intervalNanos = intervalNanos;
        this.nextTickNanos = startNanos + intervalNanos;
    }

    /** How long from {@code nowNanos} until the next tick is due (0 when it is). */
    long nanosUntilDue(long nowNanos) {
        return Math.max(0, nextTickNanos - nowNanos);
    }

    /**
     * Whether a tick is due at {@code nowNanos}; if so it counts as fired then, and the next one is
     * due a whole interval later.
     */
    boolean fire(long nowNanos) {
        if (nowNanos - nextTickNanos < 0) {
            return false;
        }
        nextTickNanos = nowNanos + intervalNanos;
        return true;
    }
}
