package io.tinykv.raft;

/** The requested index is above the storage's last index: the entry does not exist (yet). */
public final class UnavailableException extends RaftException {
    public UnavailableException(String message) {
        super(message);
    }
}
