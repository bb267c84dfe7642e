package io.tinykv.testkit.txn;

import io.tinykv.testkit.history.History;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Runs a workload with many logical processes on the calling thread, choosing at random which
 * process takes its next step. Every interleaving is reproducible from the seed, which makes it the
 * tool for proving that a broken store is caught. Times in the history are step numbers.
 */
public final class InterleavingRunner {

    private final TxnExecutor executor;
    private final Workload workload;
    private final History history;
    private final int processCount;

    public InterleavingRunner(TxnExecutor executor, Workload workload, History history, int processCount) {
        if (processCount < 1) {
            throw new IllegalArgumentException("need at least one process, got " + processCount);
        }
        this.executor = executor;
        this.workload = workload;
        this.history = history;
        this.processCount = processCount;
    }

    /** Runs {@code transactionCount} transactions to completion. */
    public void run(int transactionCount, RandomGenerator random) {
        TxnRun[] running = new TxnRun[processCount];
        int[] historyIds = new int[processCount];
        long step = 0;
        int started = 0;
        int finished = 0;
        List<Integer> candidates = new ArrayList<>(processCount);
        while (finished < transactionCount) {
            candidates.clear();
            for (int p = 0; p < processCount; p++) {
                if (running[p] != null || started < transactionCount) {
                    candidates.add(p);
                }
            }
            int p = candidates.get(random.nextInt(candidates.size()));
            if (running[p] == null) {
                TxnPlan plan = workload.next(random);
                historyIds[p] = history.invoke(p, ++step, plan.ops());
                running[p] = new TxnRun(executor, plan);
                started++;
                continue;
            }
            running[p].step();
            if (running[p].finished()) {
                history.complete(historyIds[p], ++step, running[p].outcome(), running[p].completedOps());
                running[p] = null;
                finished++;
            }
        }
    }
}
