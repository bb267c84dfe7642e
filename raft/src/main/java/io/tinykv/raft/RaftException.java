package io.tinykv.raft;

/** Base of every error the raft module reports; unchecked, so callers handle only what they expect. */
public class RaftException extends RuntimeException {
    public RaftException(String message) {
        super(message);
    }
}
