package io.tinykv.testkit.txn;

/**
 * A transactional store as seen by workload drivers: the in-memory reference stores here, and an
 * adapter over the real client elsewhere. Must be safe to use from many threads; each session is
 * used by one thread.
 */
public interface TxnExecutor {

    /** Starts a transaction (takes its snapshot). */
    TxnSession begin() throws TxnFailedException;
}
