package io.tinykv.client;

/**
 * A transaction could not do what was asked. The subclasses say what became of it:
 * <ul>
 *   <li>{@link TxnAbortedException}: it did not commit and never will; nothing it wrote is visible.
 *       {@link WriteConflictException} is the case where running the whole transaction again (with a
 *       new start timestamp) may well succeed;</li>
 *   <li>{@link CommitUnknownException}: it may or may not have committed;</li>
 *   <li>{@link KeyLockedException}: a read met a lock of another, live transaction and waited for it
 *       until the backoff budget ran out; the transaction itself is unharmed and may read again.</li>
 * </ul>
 */
public abstract sealed class TxnException extends TinyKvException
        permits TxnAbortedException, CommitUnknownException, KeyLockedException {
    private final long startTs;

    TxnException(long startTs, String message, Throwable cause) {
        super(message, cause);
        this.startTs = startTs;
    }

    /** The start timestamp of the transaction concerned. */
    public long startTs() {
        return startTs;
    }
}
