package io.tinykv.client;

/**
 * The transaction did not commit, and never will: its commit point (the commit of its primary key)
 * was never reached, or the store answered that the transaction had been rolled back. None of its
 * writes is or will become visible. Locks it may have left behind are rolled back (by this client
 * where it could, otherwise by the first reader that finds them expired).
 */
public sealed class TxnAbortedException extends TxnException permits WriteConflictException {
    public TxnAbortedException(long startTs, String message, Throwable cause) {
        super(startTs, message, cause);
    }

    public TxnAbortedException(long startTs, String message) {
        this(startTs, message, null);
    }
}
