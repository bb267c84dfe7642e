package io.tinykv.testkit.txn;

import io.tinykv.testkit.bank.BankWorkload;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.elle.ListAppendChecker;
import io.tinykv.testkit.elle.ListAppendWorkload;
import io.tinykv.testkit.history.History;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/** Shared drivers for the randomized tests: run a workload against a store, check the history. */
final class RandomizedRuns {

    static final int PROCESSES = 6;

    private RandomizedRuns() {}

    static CheckResult listAppendInterleaved(
            TxnExecutor store, ListAppendWorkload.Config config, int transactions, long seed, boolean strong) {
        History history = new History();
        new InterleavingRunner(store, new ListAppendWorkload(config), history, PROCESSES)
                .run(transactions, new SplittableRandom(seed));
        return checker(strong).check(history.operations());
    }

    static CheckResult listAppendConcurrent(
            TxnExecutor store, ListAppendWorkload.Config config, int threads, int transactionsPerThread, long seed)
            throws InterruptedException {
        History history = new History();
        AtomicLong clock = new AtomicLong();
        new ConcurrentRunner(
                        store,
                        new ListAppendWorkload(config),
                        history,
                        Thread.ofPlatform().factory(),
                        clock::incrementAndGet)
                .run(threads, transactionsPerThread, seed);
        return checker(true).check(history.operations());
    }

    static CheckResult bankInterleaved(TxnExecutor store, int transactions, long seed) throws TxnFailedException {
        BankWorkload workload = new BankWorkload(BankWorkload.Config.defaults());
        workload.initialize(store);
        History history = new History();
        new InterleavingRunner(store, workload, history, PROCESSES).run(transactions, new SplittableRandom(seed));
        return workload.checker().check(history.operations());
    }

    static CheckResult bankConcurrent(TxnExecutor store, int threads, int transactionsPerThread, long seed)
            throws TxnFailedException, InterruptedException {
        BankWorkload workload = new BankWorkload(BankWorkload.Config.defaults());
        workload.initialize(store);
        History history = new History();
        AtomicLong clock = new AtomicLong();
        new ConcurrentRunner(store, workload, history, Thread.ofPlatform().factory(), clock::incrementAndGet)
                .run(threads, transactionsPerThread, seed);
        return workload.checker().check(history.operations());
    }

    private static ListAppendChecker checker(boolean strong) {
        return strong ? ListAppendChecker.strongSnapshotIsolation() : ListAppendChecker.snapshotIsolation();
    }
}
