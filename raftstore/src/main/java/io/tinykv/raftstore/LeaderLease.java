package io.tinykv.raftstore;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A leader's lease on reads, in logical ticks of its own clock (TiKV's idea over Raft's
 * check-quorum rules). While the lease holds, the leader answers reads from its applied state
 * without a ReadIndex round.
 *
 * <p>Why it is safe. A follower that received a message from the leader refuses to vote for
 * anybody else for an election timeout ({@code electionTicks}) after receiving it (Raft's
 * check-quorum "in lease" rule; a freshly started peer refuses for as long, see {@link Peer}). So
 * once a quorum acknowledged a round of messages the leader <em>sent</em> at tick {@code s}, no
 * other leader can be elected before {@code s + electionTicks}: any electing quorum shares a member
 * with the acknowledging one. The lease therefore runs from the send tick (never from the tick the
 * acknowledgement came back) for {@code maxLeaseTicks < electionTicks}, the difference absorbing
 * tick skew between stores. A round counts when a quorum acknowledged it: a proposal that
 * committed, or a ReadIndex whose heartbeats a quorum answered.
 *
 * <p>The lease belongs to one term and one configuration (conf version): a term change, a step
 * down or an applied membership change voids it (a new configuration has new quorums). A leader
 * that sent {@code MsgTimeoutNow} (leadership transfer) gives it up for the rest of the term: the
 * transferee's election bypasses the followers' refusal to vote.
 *
 * <p>Owned by the peer's Raft thread.
 */
final class LeaderLease {

    /** A proposal's index and the tick it was made at (its append is sent at that tick or later). */
    private record Proposed(long index, long tick) {}

    private final long maxLeaseTicks;
    /** The term and conf version the lease and the pending proposals belong to. */
    private long term = -1;
    private long confVer = -1;
    /** The lease holds while the clock is below this tick. */
    private long expiresAtTick = Long.MIN_VALUE;
    /** A leadership transfer was started in {@link #term}: no lease until the term changes. */
    private boolean givenUp;
    /** First proposal of each tick not yet known committed, in index order. */
    private final Deque<Proposed> proposed = new ArrayDeque<>();

    LeaderLease(long maxLeaseTicks) {
        if (maxLeaseTicks <= 0) {
            throw new IllegalArgumentException("maxLeaseTicks must be > 0, got " + maxLeaseTicks);
        }
        this.maxLeaseTicks = maxLeaseTicks;
    }

    long maxLeaseTicks() {
        return maxLeaseTicks;
    }

    /** Forgets everything when the term or the configuration is not the one the lease is for. */
    private void syncTo(long currentTerm, long currentConfVer) {
        if (currentTerm != term || currentConfVer != confVer) {
            term = currentTerm;
            confVer = currentConfVer;
            expiresAtTick = Long.MIN_VALUE;
            givenUp = false;
            proposed.clear();
        }
    }

    /** The leader appended a proposal at {@code index} at {@code tick}. */
    void onProposed(long index, long tick, long currentTerm, long currentConfVer) {
        syncTo(currentTerm, currentConfVer);
        Proposed last = proposed.peekLast();
        if (last != null && last.index() >= index) {
            throw new IllegalStateException("proposal index " + index + " not after " + last.index());
        }
        // The earliest proposal of a tick is enough: its commit proves a quorum heard a round
        // sent at that tick; later ones of the same tick prove nothing more.
        if (last == null || last.tick() < tick) {
            proposed.addLast(new Proposed(index, tick));
        }
    }

    /** The commit index reached {@code commitIndex}: renews from the latest committed proposal. */
    void onCommitted(long commitIndex, long currentTerm, long currentConfVer) {
        syncTo(currentTerm, currentConfVer);
        long sentAt = Long.MIN_VALUE;
        while (!proposed.isEmpty() && proposed.peekFirst().index() <= commitIndex) {
            sentAt = proposed.pollFirst().tick();
        }
        if (sentAt != Long.MIN_VALUE) {
            renew(sentAt, currentTerm, currentConfVer);
        }
    }

    /** A quorum acknowledged a round sent at {@code sentAtTick} (or later) in this term. */
    void renew(long sentAtTick, long currentTerm, long currentConfVer) {
        syncTo(currentTerm, currentConfVer);
        if (givenUp) {
            return;
        }
        expiresAtTick = Math.max(expiresAtTick, sentAtTick + maxLeaseTicks);
    }

    /** A leadership transfer is under way: no lease for the rest of {@code currentTerm}. */
    void giveUp(long currentTerm, long currentConfVer) {
        syncTo(currentTerm, currentConfVer);
        givenUp = true;
        expiresAtTick = Long.MIN_VALUE;
    }

    /** Whether reads may be answered locally at {@code nowTick}. */
    boolean isValid(long nowTick, long currentTerm, long currentConfVer) {
        return currentTerm == term && currentConfVer == confVer && !givenUp && nowTick < expiresAtTick;
    }

    /** Ticks left at {@code nowTick} (0 when expired). */
    long remainingTicks(long nowTick) {
        return expiresAtTick == Long.MIN_VALUE ? 0 : Math.max(0, expiresAtTick - nowTick);
    }

    /** Drops the lease (the peer stepped down). */
    void expire() {
        expiresAtTick = Long.MIN_VALUE;
        proposed.clear();
    }
}
