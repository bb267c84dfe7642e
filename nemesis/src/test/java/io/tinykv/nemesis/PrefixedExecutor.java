package io.tinykv.nemesis;

import io.tinykv.testkit.history.Outcome;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.TxnFailedException;
import io.tinykv.testkit.txn.TxnSession;
import java.util.List;

/** Puts a prefix before every key, so that each phase's transactions touch keys of their own. */
record PrefixedExecutor(TxnExecutor inner, String prefix) implements TxnExecutor {
    @Override
    public TxnSession begin() throws TxnFailedException {
        TxnSession session = inner.begin();
        return new TxnSession() {
            @Override
            public List<Long> read(String key) throws TxnFailedException {
                return session.read(prefix + key);
            }

            @Override
            public void write(String key, List<Long> value) throws TxnFailedException {
                session.write(prefix + key, value);
            }

            @Override
            public Outcome commit() {
                return session.commit();
            }

            @Override
            public void abort() {
                session.abort();
            }
        };
    }
}
