package io.tinykv.raftstore.peer;

import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.RaftStoreStats;

/**
 * A write proposed by this peer as leader: the log position its entry took and who waits for it.
 * When the entry at {@code index} is applied with {@code term}, the callback gets the response;
 * when another entry is applied there (a new leader overwrote it), it gets StaleCommand.
 * {@code proposedAtNanos} (the store's clock) times its stages for {@link RaftStoreStats}.
 *
 * <p>{@code request} is the command the entry holds, when it holds one (null for a conf change):
 * the entry at {@code index} with {@code term} is this very proposal (two entries with the same
 * index and term are the same entry), so the leader applies it without parsing the entry's bytes
 * back into the request it already has.
 */
public record Proposal(long index, long term, Callback callback, long proposedAtNanos, RaftCmdRequest request) {

    /** A proposal whose time and request are not known (proposed at time zero of the store's clock). */
    public Proposal(long index, long term, Callback callback) {
        this(index, term, callback, 0, null);
    }
}
