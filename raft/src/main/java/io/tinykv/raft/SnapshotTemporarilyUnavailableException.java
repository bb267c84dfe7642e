package io.tinykv.raft;

/**
 * The storage is still building a snapshot (for example asynchronously, as the raftstore does);
 * the leader will ask again later.
 */
public final class SnapshotTemporarilyUnavailableException extends RaftException {
    public SnapshotTemporarilyUnavailableException(String message) {
        super(message);
    }
}
