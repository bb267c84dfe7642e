package io.tinykv.client.txn;

import io.tinykv.client.Backoff;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.Clock;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.RegionRouter;

/**
 * What every transaction of one {@link TxnKvClient} shares: settings, time, PD (timestamps) and the
 * routing machinery. All of it is thread-safe.
 *
 * @param lockTtlMs how long the locks of a transaction stay alive before other transactions may roll
 *                  them back, counted in TSO physical milliseconds from the transaction's start ts
 * @param heartbeats the thread that keeps committing transactions' locks alive ({@link LockHeartbeat})
 *                  and the client's open transactions registered with PD ({@link OpenTransactions})
 * @param openTransactions the start ts of this client's open transactions
 * @param tryOnePc whether a transaction whose keys all lie in one region asks that region to commit it
 *                  in one phase ({@link TwoPhaseCommitter})
 * @param asyncCommit whether a transaction within {@link TwoPhaseCommitter#ASYNC_COMMIT_MAX_KEYS} keys
 *                  commits with async commit when it cannot in one phase ({@link TwoPhaseCommitter})
 * @param background where async-commit transactions commit their keys after their caller was answered
 */
record TxnEnv(
        ClientConfig config,
        Clock clock,
        PdClient pd,
        RegionRouter router,
        LockResolver resolver,
        long lockTtlMs,
        java.util.concurrent.ScheduledExecutorService heartbeats,
        OpenTransactions openTransactions,
        boolean tryOnePc,
        boolean asyncCommit,
        java.util.concurrent.Executor background) {

    Backoff newBackoff() {
        return new Backoff(clock, config.backoffBudgetMs());
    }
}
