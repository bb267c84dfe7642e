package io.tinykv.raft;

/** Volatile state that need not be persisted: who leads (0 = unknown) and this node's role. */
public record SoftState(long leaderId, StateRole role) {
    public SoftState {
        java.util.Objects.requireNonNull(role, "role");
    }
}
