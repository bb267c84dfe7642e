package io.tinykv.client;

/**
 * The transaction MAY OR MAY NOT HAVE COMMITTED. Committing its primary key (the commit point) was
 * attempted, but no attempt came back with a definite answer (the store could not be reached, a
 * response was lost or timed out) before the backoff budget ran out.
 *
 * <p>Do not treat this as a failure: if the commit reached the store, the transaction is committed
 * and every reader will see it. Do not blindly retry a non-idempotent transaction either. Find out by
 * reading the data it wrote, or make the transaction's effects recognisable (e.g. a unique id written
 * with it). The client reports this only when it has exhausted what it could do to learn the answer.
 */
public final class CommitUnknownException extends TxnException {
    private final long commitTs;

    public CommitUnknownException(long startTs, long commitTs, String message, Throwable cause) {
        super(startTs, message, cause);
        this.commitTs = commitTs;
    }

    /** The commit timestamp the transaction tried to commit at (and has, if it committed). */
    public long commitTs() {
        return commitTs;
    }
}
