package io.tinykv.scheduler;

/**
 * A store's health as the scheduler sees it, from its administrative state and the time since its
 * last heartbeat.
 */
public enum StoreStatus {
    /** Heartbeating: may receive new peers. */
    UP,
    /** Heartbeating, but being drained by an operator (metapb state Offline): its peers move away. */
    OFFLINE,
    /** No heartbeat for a short while: no new peers, but its peers are kept. */
    DISCONNECTED,
    /** No heartbeat for longer than the max store down time: its peers are replaced. */
    DOWN,
    /** Removed from the cluster for good. */
    TOMBSTONE;

    /** Whether the store's peers still count toward a region's replicas. */
    public boolean keepsPeers() {
        return this == UP || this == DISCONNECTED;
    }

    /** Whether the store may receive a new peer. */
    public boolean acceptsPeers() {
        return this == UP;
    }
}
