package io.tinykv.txn.mvcc;

/**
 * What the {@code write} column family says about one transaction (given by its start ts) on one
 * key: TiKV's {@code TxnCommitRecord}.
 */
public sealed interface TxnRecord {

    /** The transaction left this record: a commit (Put/Delete/Lock) or its own rollback. */
    record Found(CommittedWrite record) implements TxnRecord {
        public boolean isRollback() {
            return record.kind() == WriteKind.ROLLBACK;
        }
    }

    /**
     * The transaction was rolled back, but another transaction committed at exactly this start ts,
     * so the rollback lives on as a flag on that transaction's commit record.
     */
    record OverlappedRollback(long commitTs) implements TxnRecord {}

    /**
     * No record. {@code overlapped} is another transaction's record sitting at the engine key a
     * rollback of this transaction would use, or {@code null}.
     */
    record None(CommittedWrite overlapped) implements TxnRecord {}

    /** Whether the transaction is known to be rolled back on this key. */
    default boolean isRolledBack() {
        return this instanceof OverlappedRollback || (this instanceof Found f && f.isRollback());
    }

    /** Whether the transaction committed on this key (a Put, Delete or Lock record of its own). */
    default boolean isCommitted() {
        return this instanceof Found f && !f.isRollback();
    }
}
