package io.tinykv.testkit.txn;

import io.tinykv.testkit.history.Outcome;

/**
 * A transaction step could not complete. {@link #outcome()} says what that means for the whole
 * transaction: FAIL (it definitely will not commit) or INFO (it may have committed, e.g. a timeout
 * during the commit of a store whose commit is not a single step).
 */
public final class TxnFailedException extends Exception {

    private final Outcome outcome;

    public TxnFailedException(Outcome outcome, String message) {
        this(outcome, message, null);
    }

    public TxnFailedException(Outcome outcome, String message, Throwable cause) {
        super(message, cause);
        if (outcome == Outcome.OK) {
            throw new IllegalArgumentException("a failed step cannot have outcome OK: " + message);
        }
        this.outcome = outcome;
    }

    public Outcome outcome() {
        return outcome;
    }
}
