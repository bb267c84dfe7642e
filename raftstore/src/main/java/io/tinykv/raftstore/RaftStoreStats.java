package io.tinykv.raftstore;

import java.util.Objects;

/**
 * Counters of a store's batch system, for metrics and measurements: how much each raft-engine
 * write carries (the group commit at work), how many of those writes were synced (fsyncs), and how
 * many Raft messages the store sent. Fsyncs and messages per write, summed over the stores, are
 * the load-independent cost of the write path (bench/README.md).
 *
 * <p>The counters are owned by the Raft thread; at the end of every round it publishes them as one
 * immutable {@link Snapshot}, which is what other threads read. A reader therefore always sees all
 * counters as they stood at the same round boundary (so, e.g., {@code syncedRaftWrites <= pollRounds}
 * holds in every snapshot and between any two), never a mix of two instants taken while a round is
 * half done. The price is that a snapshot may lag the round in progress by that one round.
 */
public final class RaftStoreStats {

    // Raft thread only.
    private long pollRounds;
    private long syncedRaftWrites;
    private long unsyncedRaftWrites;
    private long readysPersisted;
    private long sameRoundReadys;
    private long entriesPersisted;
    private long entriesApplied;
    private long entriesReadFromEngine;
    private long messagesSent;
    private long ticks;
    private long roundNanos;
    private long proposalsSettled;
    private long proposalCommitWaitNanos;
    private long proposalApplyNanos;

    private volatile Snapshot published = Snapshot.ZERO;
    private volatile StageObserver stages = StageObserver.NONE;
    /** Peers' ticks (an idle peer's are not counted: it is not ticked). */
    private final java.util.concurrent.atomic.LongAdder peerTicks = new java.util.concurrent.atomic.LongAdder();

    /** One peer ticked. Raft thread. */
    void onPeerTick() {
        peerTicks.increment();
    }

    /** How many times a peer ticked since the store started (idle peers do not). Any thread. */
    public long peerTicks() {
        return peerTicks.sum();
    }

    /** Where the timed stages' single durations go from now on (the store's histograms). Any thread. */
    public void observeStagesWith(StageObserver observer) {
        this.stages = Objects.requireNonNull(observer, "observer");
    }

    void onRound() {
        pollRounds++;
    }

    /**
     * One raft-engine write carrying {@code readys} peers' Readys with {@code entries} new entries,
     * which took {@code nanos}; {@code synced} when it was fsynced (unsynced: only commit indexes
     * changed).
     */
    void onRaftWrite(boolean synced, int readys, int entries, long nanos) {
        stages.raftWrite(synced, nanos);
        if (synced) {
            syncedRaftWrites++;
        } else {
            unsyncedRaftWrites++;
        }
        readysPersisted += readys;
        entriesPersisted += entries;
    }

    /**
     * {@code readys} Readys were handled in the round of the persist whose advance produced them
     * (entries a quorum holds only since that persist, e.g. a single voter's): they needed no sync.
     */
    void onSameRoundReadys(int readys) {
        sameRoundReadys += readys;
    }

    void onApplied(int entries) {
        entriesApplied += entries;
    }

    /** A peer read {@code entries} log entries back from the raft engine (its entry cache missed). */
    public void onEntriesReadFromEngine(int entries) {
        entriesReadFromEngine += entries;
    }

    void onMessagesSent(int messages) {
        messagesSent += messages;
    }

    /** The store's peers were ticked once. */
    void onTick() {
        ticks++;
    }

    /** A round took {@code nanos} of the Raft thread, on the store's clock. */
    void onRoundTime(long nanos) {
        roundNanos += nanos;
    }

    /**
     * {@code proposals} of this store's leaders were settled by an apply: together they had waited
     * {@code commitWaitNanos} from their proposal to the start of that apply, which took
     * {@code applyNanos} with their answers (each of them waited for all of it).
     */
    void onProposalsSettled(int proposals, long commitWaitNanos, long applyNanos) {
        stages.proposalApply(applyNanos);
        proposalsSettled += proposals;
        proposalCommitWaitNanos += commitWaitNanos;
        proposalApplyNanos += proposals * applyNanos;
    }

    /** A client command waited {@code nanos} in its region's mailbox for the Raft thread. */
    void onCommandWait(long nanos) {
        stages.commandWait(nanos);
    }

    /** One proposal waited {@code nanos} from its proposal to the apply that settles it. */
    void onProposalCommitWait(long nanos) {
        stages.proposalCommitWait(nanos);
    }

    /** The end of a round: makes the counters as they stand now visible to {@link #snapshot}. Raft thread. */
    void publish() {
        published = new Snapshot(
                pollRounds,
                syncedRaftWrites,
                unsyncedRaftWrites,
                readysPersisted,
                sameRoundReadys,
                entriesPersisted,
                entriesApplied,
                entriesReadFromEngine,
                messagesSent,
                ticks,
                roundNanos,
                proposalsSettled,
                proposalCommitWaitNanos,
                proposalApplyNanos);
    }

    /** The counters as of the end of the last finished round. Any thread. */
    public Snapshot snapshot() {
        return published;
    }

    /**
     * The counters at one moment.
     *
     * @param pollRounds batch-system rounds that had work
     * @param syncedRaftWrites synced raft-engine write batches (one fsync each)
     * @param unsyncedRaftWrites raft-engine write batches left unsynced (only commit indexes changed)
     * @param readysPersisted peers' Readys those writes (synced or not) carried
     * @param sameRoundReadys Readys handled in the same round as the persist whose advance produced
     *     them, instead of in a round of their own: what a single voter commits once its entries are
     *     durable (without it, a lone write would take two rounds)
     * @param entriesPersisted new log entries those writes carried
     * @param entriesApplied committed entries applied to the kv engine
     * @param entriesReadFromEngine log entries (or their terms) read back from the raft engine, for
     *     apply, for followers, or for Raft's term checks: what the entry cache did not hold
     * @param messagesSent Raft messages sent to other stores
     * @param ticks times the store ticked all its peers
     * @param roundNanos time the Raft thread spent in rounds, on the store's clock (the simulator's
     *     virtual clock does not advance within a round: zero there); per tick, with idle regions,
     *     it is what every peer's tick costs
     * @param proposalsSettled proposals (writes, admin commands) of this store's leaders answered by
     *     an apply, the count for the two times that follow
     * @param proposalCommitWaitNanos their summed wait from the proposal to the start of the apply
     *     that settled them: the leader's fsync and the followers' round trip, in parallel, and the
     *     wait for the round that saw the commit
     * @param proposalApplyNanos their summed time in that apply, answers included
     */
    public record Snapshot(
            long pollRounds,
            long syncedRaftWrites,
            long unsyncedRaftWrites,
            long readysPersisted,
            long sameRoundReadys,
            long entriesPersisted,
            long entriesApplied,
            long entriesReadFromEngine,
            long messagesSent,
            long ticks,
            long roundNanos,
            long proposalsSettled,
            long proposalCommitWaitNanos,
            long proposalApplyNanos) {

        /** Nothing counted yet. */
        public static final Snapshot ZERO = new Snapshot(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        /** What happened between {@code earlier} and this snapshot. */
        public Snapshot minus(Snapshot earlier) {
            return new Snapshot(
                    pollRounds - earlier.pollRounds,
                    syncedRaftWrites - earlier.syncedRaftWrites,
                    unsyncedRaftWrites - earlier.unsyncedRaftWrites,
                    readysPersisted - earlier.readysPersisted,
                    sameRoundReadys - earlier.sameRoundReadys,
                    entriesPersisted - earlier.entriesPersisted,
                    entriesApplied - earlier.entriesApplied,
                    entriesReadFromEngine - earlier.entriesReadFromEngine,
                    messagesSent - earlier.messagesSent,
                    ticks - earlier.ticks,
                    roundNanos - earlier.roundNanos,
                    proposalsSettled - earlier.proposalsSettled,
                    proposalCommitWaitNanos - earlier.proposalCommitWaitNanos,
                    proposalApplyNanos - earlier.proposalApplyNanos);
        }

        /** Entries read back from the raft engine per entry applied (0 when the cache held them all). */
        public double engineReadsPerAppliedEntry() {
            return entriesApplied == 0 ? 0 : (double) entriesReadFromEngine / entriesApplied;
        }

        /** The sum of two stores' counters. */
        public Snapshot plus(Snapshot other) {
            return new Snapshot(
                    pollRounds + other.pollRounds,
                    syncedRaftWrites + other.syncedRaftWrites,
                    unsyncedRaftWrites + other.unsyncedRaftWrites,
                    readysPersisted + other.readysPersisted,
                    sameRoundReadys + other.sameRoundReadys,
                    entriesPersisted + other.entriesPersisted,
                    entriesApplied + other.entriesApplied,
                    entriesReadFromEngine + other.entriesReadFromEngine,
                    messagesSent + other.messagesSent,
                    ticks + other.ticks,
                    roundNanos + other.roundNanos,
                    proposalsSettled + other.proposalsSettled,
                    proposalCommitWaitNanos + other.proposalCommitWaitNanos,
                    proposalApplyNanos + other.proposalApplyNanos);
        }

        /** Readys per raft-engine write, synced or not. */
        public double readysPerRaftWrite() {
            long writes = syncedRaftWrites + unsyncedRaftWrites;
            return writes == 0 ? 0 : (double) readysPersisted / writes;
        }

        /** New log entries per fsync (every write that carries entries is synced). */
        public double entriesPerSyncedWrite() {
            return syncedRaftWrites == 0 ? 0 : (double) entriesPersisted / syncedRaftWrites;
        }
    }
}
