package io.tinykv.raftstore.peer;

import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongUnaryOperator;

/**
 * Where one peer stands in hibernating its region (TiKV's hibernate regions): an idle region stops
 * ticking, and so stops the heartbeats and election timers that would otherwise cost a store of a
 * thousand idle regions thousands of messages a second.
 *
 * <p>A leader whose region has been quiet for an election timeout — every peer's match is its last
 * index, everything committed and applied, nothing proposed, read, transferred or changing — asks
 * every peer ({@code MsgHibernateRequest} at its term and last index). A peer in sync with it (same
 * term and leader, the same last index, all of it committed and persisted, no read of its own
 * waiting) agrees and stops ticking. Once <em>every</em> peer agreed the leader stops too. Every peer,
 * and not a quorum: a leader that hibernated without a peer would neither catch it up nor tell the
 * scheduler it is down (down peers are counted in the leader's ticks), so a region with a down or
 * lagging peer stays awake until the scheduler replaced that peer, as in TiKV. The leader asks again
 * every election timeout while quiet.
 *
 * <p>Anything with news wakes a peer: a Raft message (but a heartbeat of its leader at the index it
 * agreed to, and the answer to one, which only confirm the idle state), a client command, the
 * scheduler's operator, a split, a snapshot or unreachable report, and a store holding a peer of the
 * region falling silent. A woken follower tells its leader, which wakes and heartbeats. Safety does
 * not depend on any of it: a leader gives up its lease when it stops (a woken leader reads by
 * ReadIndex until a quorum answered it again), and a follower that does not tick refuses votes for
 * longer, never shorter. An idle leader still checks its region heartbeat to the scheduler every
 * {@code region-heartbeat-ticks} ({@code RegionHeartbeats#onIdleTicks}): one mailbox message, not a
 * tick per peer.
 *
 * <p>This class holds the state, the rule for a quiet region ({@link #isQuiet}) and weighs the
 * messages against the peer's Raft position; the peer gathers the inputs ({@link RaftPosition},
 * {@link UnderWay}) and acts on the answers (it stops ticking, gives up its
 * lease, wakes), and {@link HibernationMessages} builds what it sends. Owned by the peer's Raft thread.
 */
public final class Hibernation {

    /** Whether the peer ticks. */
    enum State {
        /** Ticking as usual. */
        AWAKE,
        /** A leader that asked its peers and counts their answers; still ticking. */
        POLLING,
        /** Not ticking, until something wakes it. */
        IDLE
    }

    /**
     * Where a peer's Raft node stands, as a hibernation message is weighed against it: whether it
     * leads, its term and known leader, its last index in Raft and as persisted, its commit and
     * applied index.
     */
    record RaftPosition(
            boolean leader,
            long term,
            long leaderId,
            long lastIndex,
            long persistedLastIndex,
            long commitIndex,
            long appliedIndex) {}

    /**
     * What a leader has under way, any of which keeps its region awake: writes proposed and not yet
     * applied, its ReadIndex reads and its lease renewal round, reads it took as a follower (kept
     * from before it led), a membership change not yet applied, a leadership transfer.
     */
    record UnderWay(
            boolean proposals,
            boolean reads,
            boolean leaseRenewal,
            boolean followerReads,
            boolean confChange,
            boolean leaderTransfer) {

        boolean any() {
            return proposals || reads || leaseRenewal || followerReads || confChange || leaderTransfer;
        }
    }

    private State state = State.AWAKE;
    /** Leader: consecutive ticks the region was quiet. */
    private int quietTicks;
    /** Leader: the term and last index of the poll under way. */
    private long pollTerm;

    private long pollIndex;
    /** Leader: the peers that agreed to the poll under way. */
    private final Set<Long> agreed = new HashSet<>();
    /** Follower: the index it agreed to stop at (a heartbeat up to it is no news). */
    private long agreedIndex = -1;

    boolean isIdle() {
        return state == State.IDLE;
    }

    /**
     * A leader's tick in a quiet region: whether to ask the peers now (after one election timeout of
     * quiet, and again every election timeout while no poll succeeded).
     */
    boolean onQuietTick(int electionTicks) {
        quietTicks++;
        return quietTicks >= electionTicks && quietTicks % electionTicks == 0;
    }

    /** A leader's tick in a region with something going on. */
    void onBusyTick() {
        quietTicks = 0;
        if (state == State.POLLING) {
            state = State.AWAKE;
            agreed.clear();
        }
    }

    void startPoll(long term, long index) {
        state = State.POLLING;
        pollTerm = term;
        pollIndex = index;
        agreed.clear();
    }

    /** Counts {@code peerId}'s agreement to a poll at {@code term} and {@code index}; false if stale. */
    boolean countAgreement(long peerId, long term, long index) {
        if (state != State.POLLING || term != pollTerm || index != pollIndex) {
            return false;
        }
        agreed.add(peerId);
        return true;
    }

    /** Whether every one of {@code peerIds} agreed. */
    boolean allAgreed(Iterable<Long> peerIds) {
        for (long id : peerIds) {
            if (!agreed.contains(id)) {
                return false;
            }
        }
        return true;
    }

    /** Stops ticking; a follower remembers the index it agreed to. */
    void sleep(long index) {
        state = State.IDLE;
        agreedIndex = index;
        agreed.clear();
        quietTicks = 0;
    }

    long agreedIndex() {
        return agreedIndex;
    }

    /** Ticks again. */
    void wake() {
        state = State.AWAKE;
        agreed.clear();
        quietTicks = 0;
        agreedIndex = -1;
    }

    /**
     * The rule for a quiet region, which a leader asks its peers to stop in (and itself stops in,
     * once they all agreed): it leads, nothing is under way ({@code underWay}), all of its log is
     * committed and applied here, and every peer's match is its last index ({@code peers} are the
     * region's, the leader among them, so its own persisted log is checked with the others').
     *
     * @param matchIndexOf a peer's match index as the leader tracks it
     */
    static boolean isQuiet(
            RaftPosition self, UnderWay underWay, List<Metapb.Peer> peers, LongUnaryOperator matchIndexOf) {
        return self.leader()
                && !underWay.any()
                && logSettled(peers, self.lastIndex(), self.commitIndex(), self.appliedIndex(), matchIndexOf);
    }

    private static boolean logSettled(
            List<Metapb.Peer> peers,
            long lastIndex,
            long commitIndex,
            long appliedIndex,
            LongUnaryOperator matchIndexOf) {
        if (commitIndex != lastIndex || appliedIndex != lastIndex) {
            return false;
        }
        for (Metapb.Peer p : peers) {
            if (matchIndexOf.applyAsLong(p.getId()) != lastIndex) {
                return false;
            }
        }
        return true;
    }

    /**
     * Follower: whether it agrees to stop at its leader's poll ({@code MsgHibernateRequest} from
     * {@code fromPeerId} at {@code term} and {@code index}): it follows that peer in that term, and
     * holds the whole log, all of it persisted, committed and applied, with no read of its own
     * waiting ({@code readsWaiting}).
     */
    static boolean agreesToStop(long fromPeerId, long term, long index, RaftPosition self, boolean readsWaiting) {
        return !self.leader()
                && term == self.term()
                && self.leaderId() == fromPeerId
                && self.lastIndex() == index
                && self.persistedLastIndex() == index
                && self.commitIndex() == index
                && self.appliedIndex() == index
                && !readsWaiting;
    }

    /**
     * Leader: counts a peer's agreement ({@code MsgHibernateResponse} from {@code fromPeerId} at
     * {@code term} and {@code index}), if it answers the poll under way at this leader's term and
     * last index.
     *
     * @return whether every one of {@code otherPeerIds} has now agreed (the region must still be quiet
     *     for the leader to stop)
     */
    boolean onAgreement(long fromPeerId, long term, long index, RaftPosition self, List<Long> otherPeerIds) {
        return self.leader()
                && term == self.term()
                && index == self.lastIndex()
                && countAgreement(fromPeerId, term, index)
                && allAgreed(otherPeerIds);
    }

    /**
     * Whether {@code m}, reaching an idle peer, only confirms that the region is idle and need not
     * wake it: a heartbeat of its leader committing nothing beyond what it agreed to, or a follower's
     * answer to one (such may cross the poll on the network). Either is still stepped.
     */
    boolean confirmsIdle(Eraftpb.Message m, long term, boolean leader, long leaderId) {
        if (m.getTerm() != term) {
            return false;
        }
        return switch (m.getMsgType()) {
            case MsgHeartbeat -> !leader && m.getFrom() == leaderId && m.getCommit() <= agreedIndex;
            case MsgHeartbeatResponse -> leader && m.getContext().isEmpty();
            default -> false;
        };
    }
}
