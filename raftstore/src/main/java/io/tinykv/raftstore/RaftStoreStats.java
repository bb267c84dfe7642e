package io.tinykv.raftstore;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a store's batch system, for metrics and measurements: how much each synced
 * raft-engine write carries (the group commit at work). Written by the Raft thread, read by anyone.
 */
public final class RaftStoreStats {

    private final LongAdder pollRounds = new LongAdder();
    private final LongAdder syncedRaftWrites = new LongAdder();
    private final LongAdder readysPersisted = new LongAdder();
    private final LongAdder entriesPersisted = new LongAdder();
    private final LongAdder entriesApplied = new LongAdder();

    void onRound() {
        pollRounds.increment();
    }

    /** One synced raft-engine write carrying {@code readys} peers' Readys with {@code entries} new entries. */
    void onSyncedRaftWrite(int readys, int entries) {
        syncedRaftWrites.increment();
        readysPersisted.add(readys);
        entriesPersisted.add(entries);
    }

    void onApplied(int entries) {
        entriesApplied.add(entries);
    }

    /** A consistent-enough copy of the counters (each read atomically, not all together). */
    public Snapshot snapshot() {
        return new Snapshot(pollRounds.sum(), syncedRaftWrites.sum(), readysPersisted.sum(), entriesPersisted.sum(),
                entriesApplied.sum());
    }

    /**
     * The counters at one moment.
     *
     * @param pollRounds batch-system rounds that had work
     * @param syncedRaftWrites synced raft-engine write batches (one fsync each)
     * @param readysPersisted peers' Readys those writes carried
     * @param entriesPersisted new log entries those writes carried
     * @param entriesApplied committed entries applied to the kv engine
     */
    public record Snapshot(long pollRounds, long syncedRaftWrites, long readysPersisted, long entriesPersisted,
            long entriesApplied) {

        /** What happened between {@code earlier} and this snapshot. */
        public Snapshot minus(Snapshot earlier) {
            return new Snapshot(pollRounds - earlier.pollRounds, syncedRaftWrites - earlier.syncedRaftWrites,
                    readysPersisted - earlier.readysPersisted, entriesPersisted - earlier.entriesPersisted,
                    entriesApplied - earlier.entriesApplied);
        }

        public double readysPerSyncedWrite() {
            return syncedRaftWrites == 0 ? 0 : (double) readysPersisted / syncedRaftWrites;
        }

        public double entriesPerSyncedWrite() {
            return syncedRaftWrites == 0 ? 0 : (double) entriesPersisted / syncedRaftWrites;
        }
    }
}
