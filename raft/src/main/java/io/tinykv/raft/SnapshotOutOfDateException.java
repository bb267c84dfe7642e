package io.tinykv.raft;

/** A snapshot was offered that is not newer than the one the storage already holds. */
public final class SnapshotOutOfDateException extends RaftException {
    public SnapshotOutOfDateException(String message) {
        super(message);
    }
}
