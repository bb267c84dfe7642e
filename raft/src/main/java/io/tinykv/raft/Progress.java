package io.tinykv.raft;

/**
 * The leader's view of one follower: {@code match} is the highest index known replicated there,
 * {@code next} the next index to send. Mutable, owned by the leader's {@link Raft}.
 *
 * <p>In PROBE state the leader sends one append per heartbeat interval until it finds the match;
 * in REPLICATE it pipelines appends within the inflight window; in SNAPSHOT it waits for the
 * snapshot to be reported.
 */
final class Progress {
    private long match;
    private long next;
    private ProgressState state = ProgressState.PROBE;
    /** In SNAPSHOT state: the index of the snapshot being sent. */
    private long pendingSnapshot;
    /** Heard from since the last check-quorum round. */
    private boolean recentActive;
    /** In PROBE state: an append was sent and we wait for its answer (or the next heartbeat). */
    private boolean probeSent;

    private final Inflights inflights;
    private boolean learner;
    /** The highest commit index this follower was told (as far as its log reached in that message). */
    private long sentCommit;

    Progress(long match, long next, int maxInflight, boolean learner) {
        this.match = match;
        this.next = next;
        this.inflights = new Inflights(maxInflight);
        this.learner = learner;
    }

    long match() {
        return match;
    }

    long next() {
        return next;
    }

    ProgressState state() {
        return state;
    }

    long pendingSnapshot() {
        return pendingSnapshot;
    }

    boolean recentActive() {
        return recentActive;
    }

    void setRecentActive(boolean value) {
        recentActive = value;
    }

    boolean probeSent() {
        return probeSent;
    }

    void setProbeSent(boolean value) {
        probeSent = value;
    }

    long sentCommit() {
        return sentCommit;
    }

    void noteCommitSent(long commit) {
        sentCommit = Math.max(sentCommit, commit);
    }

    Inflights inflights() {
        return inflights;
    }

    boolean isLearner() {
        return learner;
    }

    void setLearner(boolean value) {
        learner = value;
    }

    /** Used by the leader on itself and by tests to set up a scenario. */
    void setMatchAndNext(long newMatch, long newNext) {
        match = newMatch;
        next = newNext;
    }

    void setPendingSnapshot(long index) {
        pendingSnapshot = index;
    }

    private void resetState(ProgressState newState) {
        probeSent = false;
        pendingSnapshot = 0;
        state = newState;
        inflights.reset();
    }

    void becomeProbe() {
        // Messages may have been lost: tell the commit index again with the next append.
        sentCommit = Math.min(sentCommit, match);
        // Leaving SNAPSHOT: the follower will have at least the snapshot once it is applied.
        if (state == ProgressState.SNAPSHOT) {
            long pending = pendingSnapshot;
            resetState(ProgressState.PROBE);
            next = Math.max(match + 1, pending + 1);
        } else {
            resetState(ProgressState.PROBE);
            next = match + 1;
        }
    }

    void becomeReplicate() {
        resetState(ProgressState.REPLICATE);
        next = match + 1;
    }

    void becomeSnapshot(long snapshotIndex) {
        resetState(ProgressState.SNAPSHOT);
        pendingSnapshot = snapshotIndex;
    }

    /** An append up to {@code n} was acknowledged; returns whether match advanced. */
    boolean maybeUpdate(long n) {
        boolean updated = false;
        if (match < n) {
            match = n;
            updated = true;
            probeSent = false;
        }
        next = Math.max(next, n + 1);
        return updated;
    }

    /** Pipelining: entries up to {@code n} were sent, send the next ones from n + 1. */
    void optimisticUpdate(long n) {
        next = n + 1;
    }

    /**
     * The follower rejected an append at {@code rejected}, hinting its log may match at
     * {@code matchHint} at best. Returns false when the rejection is stale (out of order).
     */
    boolean maybeDecrTo(long rejected, long matchHint) {
        if (state == ProgressState.REPLICATE) {
            if (rejected <= match) {
                return false; // stale: already matched past it
            }
            next = match + 1; // fall back to the last known match, then probe from there
            return true;
        }
        if (next - 1 != rejected) {
            return false; // stale: not the probe we are waiting for
        }
        next = Math.max(Math.min(rejected, matchHint + 1), 1);
        probeSent = false;
        return true;
    }

    /** Whether sending appends to this follower is throttled right now. */
    boolean isPaused() {
        return switch (state) {
            case PROBE -> probeSent;
            case REPLICATE -> inflights.full();
            case SNAPSHOT -> true;
        };
    }

    ProgressView view() {
        return new ProgressView(match, next, state, learner, recentActive, pendingSnapshot, inflights.count());
    }

    @Override
    public String toString() {
        return "Progress{match=" + match + ", next=" + next + ", state=" + state
                + (learner ? ", learner" : "") + (pendingSnapshot > 0 ? ", pendingSnapshot=" + pendingSnapshot : "")
                + ", inflight=" + inflights.count() + "}";
    }
}
