package io.tinykv.bench.txn;

/**
 * One transaction of a {@link TxnTarget}, used by one thread. Implementations report a transaction
 * that definitely did not commit as {@link TxnAbortException}; any other exception is an error of
 * the run (including "may or may not have committed").
 */
public interface TxnSession extends AutoCloseable {

    /** The value under {@code key} in this transaction's snapshot (or its own write), null if none. */
    byte[] get(byte[] key) throws Exception;

    /** Buffers a write; the caller reuses both arrays afterwards, so implementations copy them. */
    void put(byte[] key, byte[] value) throws Exception;

    /** Commits every buffered write atomically, or throws. */
    void commit() throws Exception;

    /** Rolls back a transaction that has not committed; nothing after a commit. */
    @Override
    void close() throws Exception;
}
