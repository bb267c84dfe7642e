package io.tinykv.raft;

/** The requested index is below the storage's first index: its entry was compacted into a snapshot. */
public final class CompactedException extends RaftException {
    public CompactedException(String message) {
        super(message);
    }
}
