package io.tinykv.raft.sim;

/** A broken Raft invariant found by the simulator; an Error so that no caller swallows it by accident. */
public final class SafetyViolation extends AssertionError {
    private static final long serialVersionUID = 1L;

    public SafetyViolation(String message) {
        super(message);
    }
}
