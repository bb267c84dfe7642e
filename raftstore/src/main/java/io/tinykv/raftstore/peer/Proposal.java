package io.tinykv.raftstore.peer;

import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.RaftStoreStats;

/**
 * A write proposed by this peer as leader: the log position its entry took and who waits for it.
 * When the entry at {@code index} is applied with {@code term}, the callback gets the response;
 * when another entry is applied there (a new leader overwrote it), it gets StaleCommand.
 * {@code proposedAtNanos} (the store's clock) times its stages for {@link RaftStoreStats}.
 */
public record Proposal(long index, long term, Callback callback, long proposedAtNanos) {

    /** A proposal whose time is not known (proposed at time zero of the store's clock). */
    public Proposal(long index, long term, Callback callback) {
        this(index, term, callback, 0);
    }
}
