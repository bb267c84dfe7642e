package io.tinykv.raftstore.read;

import io.tinykv.raftstore.RaftStoreDriver;
import io.tinykv.raftstore.RaftstoreConfig;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A leader's lease on reads, in real time on the store's monotonic clock (TiKV's idea over Raft's
 * check-quorum rules). While the lease holds, the leader answers reads from its applied state
 * without a ReadIndex round.
 *
 * <p>Why it is safe. Write {@code I} for the tick interval, {@code E} for the election ticks and
 * {@code s} for the leader's clock just before it sent a round (the proposal is appended, the
 * ReadIndex asked; the messages leave later, which only helps). A quorum acknowledged the round:
 * <ul>
 *   <li>Each follower of that quorum heard the leader after {@code s}. Raft then resets its election
 *       counter and ignores vote and pre-vote requests for a higher term until the counter reaches
 *       {@code E} (check-quorum's in-lease rule); a (re)started peer refuses for its first {@code E}
 *       ticks the same way ({@link io.tinykv.raftstore.peer.Peer}).
 *   <li>The counter counts the follower's own ticks, and its next tick may come right after it
 *       heard the leader: the refusal is sure to last {@code (E - 1) * I}, not {@code E * I}. That
 *       holds because ticks are never closer than {@code I} on the store's clock: the driver does
 *       not catch up missed ticks in a burst after a pause ({@link RaftStoreDriver}), and a stalled
 *       process misses its ticks. The randomized election timeout ({@code E} to {@code 2E - 1}
 *       ticks without a leader) only makes candidates later; the refusal is what bounds them.
 *   <li>Any quorum that elects another leader shares a member with the acknowledging one. That
 *       member is the leader itself (it votes for nobody while it leads, and once it steps down its
 *       lease is void) or a follower inside its refusal. No term above the leader's can begin
 *       meanwhile either, since pre-votes are refused the same way; only a leadership transfer
 *       bypasses the refusal, and the leader gives its lease up when it starts one.
 * </ul>
 * So no other leader is elected, let alone commits, before {@code s + (E - 1) * I}. The lease ends
 * at {@code s + maxLease} with {@code maxLease <= (E - 1) * I - driftMargin} ({@link
 * RaftstoreConfig}): the margin absorbs the difference between the rates of the leader's and the
 * followers' clocks over the window. A read is checked against the clock when it is answered, after
 * its data was read ({@link io.tinykv.raftstore.peer.Peer}): a pause anywhere before that (SIGSTOP, GC, a blocked disk)
 * shows as time that passed, and the read falls back to a ReadIndex round. The lease never counts
 * ticks: a leader whose thread stopped would find its ticks stopped too.
 *
 * <p>The lease belongs to one term and one configuration (conf version): a term change, a step
 * down or an applied membership change voids it (a new configuration has new quorums). A leader
 * that sent {@code MsgTimeoutNow} (leadership transfer) gives it up for the rest of the term. And it
 * holds only once the leader applied an entry of its own term: until then the leader may lack
 * entries an earlier leader committed (Raft's ReadIndex rule, §6.4 of the thesis).
 *
 * <p>Times are {@link System#nanoTime}-style readings, compared by difference (they may wrap).
 * Owned by the peer's Raft thread.
 */
public final class LeaderLease {

    /** A proposal's index and the clock when it was made (its append was sent then or later). */
    private record Proposed(long index, long proposedAtNanos) {}

    private final long maxLeaseNanos;
    /** The term and conf version the lease and the pending proposals belong to. */
    private long term = -1;

    private long confVer = -1;
    /** Whether some acknowledged round set {@link #expiresAtNanos}. */
    private boolean renewed;
    /** The lease holds while the clock is before this. */
    private long expiresAtNanos;
    /** A leadership transfer was started in {@link #term}: no lease until the term changes. */
    private boolean givenUp;
    /** Whether an entry of {@link #term} is known to be applied. */
    private boolean appliedInTerm;
    /** Proposals of this term not yet known committed, in index order. */
    private final Deque<Proposed> proposed = new ArrayDeque<>();

    public LeaderLease(long maxLeaseNanos) {
        if (maxLeaseNanos <= 0) {
            throw new IllegalArgumentException("maxLeaseNanos must be > 0, got " + maxLeaseNanos);
        }
        this.maxLeaseNanos = maxLeaseNanos;
    }

    public long maxLeaseNanos() {
        return maxLeaseNanos;
    }

    /** Forgets what does not belong to the current term and configuration. */
    private void syncTo(long currentTerm, long currentConfVer) {
        if (currentTerm != term) {
            term = currentTerm;
            givenUp = false;
            appliedInTerm = false;
            dropLease();
        }
        if (currentConfVer != confVer) {
            confVer = currentConfVer;
            dropLease();
        }
    }

    private void dropLease() {
        renewed = false;
        proposed.clear();
    }

    /** The leader appended a proposal at {@code index} when its clock read {@code nowNanos}. */
    public void onProposed(long index, long nowNanos, long currentTerm, long currentConfVer) {
        syncTo(currentTerm, currentConfVer);
        Proposed last = proposed.peekLast();
        if (last != null && last.index() >= index) {
            throw new IllegalStateException("proposal index " + index + " not after " + last.index());
        }
        proposed.addLast(new Proposed(index, nowNanos));
    }

    /** The commit index reached {@code commitIndex}: renews from the latest committed proposal. */
    public void onCommitted(long commitIndex, long currentTerm, long currentConfVer) {
        syncTo(currentTerm, currentConfVer);
        Proposed latest = null;
        while (!proposed.isEmpty() && proposed.peekFirst().index() <= commitIndex) {
            latest = proposed.pollFirst();
        }
        if (latest != null) {
            renew(latest.proposedAtNanos(), currentTerm, currentConfVer);
        }
    }

    /** A quorum acknowledged a round sent when the clock read {@code sentAtNanos} (or later). */
    public void renew(long sentAtNanos, long currentTerm, long currentConfVer) {
        syncTo(currentTerm, currentConfVer);
        if (givenUp) {
            return;
        }
        long expiry = sentAtNanos + maxLeaseNanos;
        if (!renewed || expiry - expiresAtNanos > 0) {
            expiresAtNanos = expiry;
            renewed = true;
        }
    }

    /** The leader applied an entry of {@code appliedTerm} (the term of its applied index). */
    public void onApplied(long appliedTerm, long currentTerm, long currentConfVer) {
        syncTo(currentTerm, currentConfVer);
        if (appliedTerm == currentTerm) {
            appliedInTerm = true; // applied indexes only grow: it stays so for the term
        }
    }

    /** Whether an entry of {@code currentTerm} is known to be applied. */
    public boolean hasAppliedEntryOf(long currentTerm) {
        return appliedInTerm && term == currentTerm;
    }

    /** A leadership transfer is under way: no lease for the rest of {@code currentTerm}. */
    public void giveUp(long currentTerm, long currentConfVer) {
        syncTo(currentTerm, currentConfVer);
        givenUp = true;
        dropLease();
    }

    /** Whether reads may be answered locally when the clock reads {@code nowNanos}. */
    public boolean isValid(long nowNanos, long currentTerm, long currentConfVer) {
        return currentTerm == term
                && currentConfVer == confVer
                && !givenUp
                && appliedInTerm
                && renewed
                && nowNanos - expiresAtNanos < 0;
    }

    /** The term the lease belongs to (the latest it was told of). */
    public long term() {
        return term;
    }

    /** Whether some acknowledged round of {@link #term()} renewed it, and it was not given up. */
    public boolean isRenewed() {
        return renewed && !givenUp;
    }

    /** Whether the lease holds by every rule but the clock (see {@link #isValid}). */
    public boolean holdsApartFromClock(long currentTerm, long currentConfVer) {
        return currentTerm == term && currentConfVer == confVer && !givenUp && appliedInTerm && renewed;
    }

    /** When the lease ends, on the monotonic clock; meaningful only while {@link #isRenewed()}. */
    public long expiresAtNanos() {
        return expiresAtNanos;
    }

    /** Nanoseconds left at {@code nowNanos} (0 when expired or never renewed). */
    public long remainingNanos(long nowNanos) {
        return renewed ? Math.max(0, expiresAtNanos - nowNanos) : 0;
    }

    /** Drops the lease (the peer stepped down). */
    public void expire() {
        dropLease();
    }
}
