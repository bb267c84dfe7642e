package io.tinykv.raft;

/** How a leader confirms it is still leader before answering a ReadIndex request. */
public enum ReadOnlyOption {
    /** Confirm leadership by a quorum of heartbeat responses carrying the request's context. */
    SAFE,
    /**
     * Trust the leader lease kept by check-quorum: answer at once. Valid only with check-quorum on,
     * and only under bounded clock drift between the nodes' tick rates.
     */
    LEASE_BASED
}
