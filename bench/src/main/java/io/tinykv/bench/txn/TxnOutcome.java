package io.tinykv.bench.txn;

/** What became of one benchmark transaction that did not fail with an error. */
public enum TxnOutcome {
    /** Committed: counts as an operation. */
    COMMITTED,
    /** Lost a write-write conflict to another transaction (run it again to succeed). */
    CONFLICT,
    /** Did not commit for another reason (rolled back by a reader, a read waited for a lock in vain, ...). */
    ABORTED
}
