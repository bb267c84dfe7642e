package io.tinykv.bench.txn;

/**
 * A transactional key-value system under test. {@link #open()} is called once before any
 * transaction and {@link #close()} once after the last; {@link #begin()} is called concurrently by
 * every benchmark client, each {@link TxnSession} is used by the one client that began it.
 */
public interface TxnTarget extends AutoCloseable {

    /** A short name for tables and reports. */
    String name();

    /** Connects. Failures here abort the run before measuring anything. */
    void open() throws Exception;

    /** Starts a transaction (a snapshot as of now). */
    TxnSession begin() throws Exception;

    @Override
    void close() throws Exception;
}
