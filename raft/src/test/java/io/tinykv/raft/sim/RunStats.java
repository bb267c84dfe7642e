package io.tinykv.raft.sim;

/**
 * What one seeded run exercised. Bulk runs sum these to prove the harness is not vacuous (faults
 * actually happened, entries actually committed) and to size the liveness bound.
 */
public record RunStats(
        long seed,
        int initialVoters,
        long committedIndex,
        int crashes,
        int partitions,
        int snapshotsInstalled,
        int confChangesApplied,
        int leaderTransfersRequested,
        int readsAnswered,
        int ticksToRecover) {}
