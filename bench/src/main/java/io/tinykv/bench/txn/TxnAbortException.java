package io.tinykv.bench.txn;

/**
 * A transaction definitely did not commit: counted as an abort, not as an error.
 *
 * @see TxnOutcome
 */
public final class TxnAbortException extends Exception {

    private final TxnOutcome outcome;

    /** @param outcome {@link TxnOutcome#CONFLICT} or {@link TxnOutcome#ABORTED} */
    public TxnAbortException(TxnOutcome outcome, String message, Throwable cause) {
        super(message, cause);
        if (outcome == TxnOutcome.COMMITTED) {
            throw new IllegalArgumentException("an abort cannot have committed");
        }
        this.outcome = outcome;
    }

    public TxnOutcome outcome() {
        return outcome;
    }
}
