package io.tinykv.raft;

/** How the leader currently replicates to one follower. */
public enum ProgressState {
    /** One append at a time until the follower's match index is found. */
    PROBE,
    /** Optimistic pipelining of appends within the inflight window. */
    REPLICATE,
    /** A snapshot is on its way; appends pause until it is reported. */
    SNAPSHOT
}
