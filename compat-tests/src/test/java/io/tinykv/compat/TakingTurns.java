package io.tinykv.compat;

import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.TxnFailedException;
import io.tinykv.testkit.txn.TxnSession;
import java.util.concurrent.atomic.AtomicLong;

/** Hands out transactions of two clients in turn, so both run on the same accounts at once. */
record TakingTurns(TxnExecutor first, TxnExecutor second, AtomicLong turns) implements TxnExecutor {
    TakingTurns(TxnExecutor first, TxnExecutor second) {
        this(first, second, new AtomicLong());
    }

    @Override
    public TxnSession begin() throws TxnFailedException {
        return (turns.getAndIncrement() % 2 == 0 ? first : second).begin();
    }
}
