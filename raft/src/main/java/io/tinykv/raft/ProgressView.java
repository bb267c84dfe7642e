package io.tinykv.raft;

/** A read-only copy of the leader's replication progress for one peer, for status reporting. */
public record ProgressView(
        long match,
        long next,
        ProgressState state,
        boolean learner,
        boolean recentActive,
        long pendingSnapshotIndex,
        int inflightMessages) {}
