package io.tinykv.testkit.txn;

import io.tinykv.testkit.history.History;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Runs a workload on real threads, one process per thread, each running its transactions one after
 * another. This is what a driver against the real store uses. Invocation times are taken before
 * {@code begin} and completion times after the commit returns, so the history's real-time order is
 * sound whatever clock is passed (a shared atomic counter or {@code System::nanoTime}).
 */
public final class ConcurrentRunner {

    private final TxnExecutor executor;
    private final Workload workload;
    private final History history;
    private final ThreadFactory threads;
    private final LongSupplier clock;

    public ConcurrentRunner(
            TxnExecutor executor, Workload workload, History history, ThreadFactory threads, LongSupplier clock) {
        this.executor = executor;
        this.workload = workload;
        this.history = history;
        this.threads = threads;
        this.clock = clock;
    }

    /**
     * Runs {@code transactionsPerThread} transactions on each of {@code threadCount} threads and
     * waits for all of them. Worker {@code i} draws its plans from its own generator split from
     * {@code seed}. A worker's unexpected exception is rethrown here after every worker has stopped.
     */
    public void run(int threadCount, int transactionsPerThread, long seed) throws InterruptedException {
        SplittableRandom root = new SplittableRandom(seed);
        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>(threadCount);
        for (int i = 0; i < threadCount; i++) {
            int process = i;
            SplittableRandom random = root.split();
            workers.add(threads.newThread(() -> {
                try {
                    for (int t = 0; t < transactionsPerThread && firstFailure.get() == null; t++) {
                        runOne(process, random);
                    }
                } catch (RuntimeException | Error e) {
                    firstFailure.compareAndSet(null, e);
                }
            }));
        }
        workers.forEach(Thread::start);
        for (Thread worker : workers) {
            worker.join();
        }
        Throwable failure = firstFailure.get();
        if (failure != null) {
            throw new IllegalStateException("a workload thread failed: " + failure, failure);
        }
    }

    private void runOne(int process, SplittableRandom random) {
        TxnPlan plan = workload.next(random);
        int id = history.invoke(process, clock.getAsLong(), plan.ops());
        TxnRun run = new TxnRun(executor, plan);
        run.runToEnd();
        history.complete(id, clock.getAsLong(), run.outcome(), run.completedOps());
    }
}
