package io.tinykv.testkit.txn;

import io.tinykv.testkit.history.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * One open transaction. Values are lists of longs: a list-append key holds its list, a bank account
 * a one-element list with its balance. An adapter over a byte-valued store encodes the list.
 * Reads see the transaction's own writes. After {@link #commit} or {@link #abort} the session is
 * finished and refuses further use.
 */
public interface TxnSession {

    /** The value of {@code key} in this transaction's view; an absent key reads as an empty list. */
    List<Long> read(String key) throws TxnFailedException;

    /** Buffers a write of {@code key}; it takes effect only if the transaction commits. */
    void write(String key, List<Long> value) throws TxnFailedException;

    /** Appends one element: a read-modify-write, exactly what a driver over a plain KV store does. */
    default void append(String key, long element) throws TxnFailedException {
        List<Long> value = new ArrayList<>(read(key));
        value.add(element);
        write(key, value);
    }

    /**
     * Tries to commit: {@link Outcome#OK} committed, {@link Outcome#FAIL} definitely not (e.g. a
     * write conflict), {@link Outcome#INFO} unknown (e.g. the response was lost).
     */
    Outcome commit();

    /** Abandons the transaction; none of its writes take effect. */
    void abort();
}
