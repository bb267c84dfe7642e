package io.tinykv.raft.sim;

/** The cluster did not make progress within the bound after all faults were healed. */
public final class LivenessViolation extends AssertionError {
    private static final long serialVersionUID = 1L;

    public LivenessViolation(String message) {
        super(message);
    }
}
