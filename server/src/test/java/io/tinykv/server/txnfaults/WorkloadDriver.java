package io.tinykv.server.txnfaults;

import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.Outcome;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.TxnPlan;
import io.tinykv.testkit.txn.TxnRun;
import io.tinykv.testkit.txn.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Runs a workload on a few threads until told to stop, recording every transaction in a
 * {@link History} (invocation before begin, completion after the commit returned, on
 * {@code System.nanoTime}). Unlike the testkit's fixed-count runner it keeps going for as long as
 * the faults take, and the test waits on its outcome counters to know that transactions are
 * (or are no longer) getting through. Worker {@code i} draws its plans from the {@code i}-th split of
 * the seed.
 */
final class WorkloadDriver {

    /** Transactions run so far by outcome. */
    record Counts(long committed, long aborted, long unknown) {
        long total() {
            return committed + aborted + unknown;
        }

        @Override
        public String toString() {
            return "committed " + committed + ", aborted " + aborted + ", unknown " + unknown;
        }
    }

    private final String name;
    private final TxnExecutor executor;
    private final Workload workload;
    private final History history = new History();
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong aborted = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> workers = new ArrayList<>();

    WorkloadDriver(String name, TxnExecutor executor, Workload workload) {
        this.name = name;
        this.executor = executor;
        this.workload = workload;
    }

    void start(int threads, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        for (int i = 0; i < threads; i++) {
            int process = i;
            SplittableRandom random = root.split();
            Thread worker = Thread.ofPlatform().name(name + "-worker-" + i).unstarted(() -> loop(process, random));
            workers.add(worker);
        }
        workers.forEach(Thread::start);
    }

    private void loop(int process, SplittableRandom random) {
        try {
            while (!stopping.get()) {
                TxnPlan plan = workload.next(random);
                int id = history.invoke(process, System.nanoTime(), plan.ops());
                TxnRun run = new TxnRun(executor, plan);
                run.runToEnd();
                history.complete(id, System.nanoTime(), run.outcome(), run.completedOps());
                counter(run.outcome()).incrementAndGet();
            }
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
        }
    }

    private AtomicLong counter(Outcome outcome) {
        return switch (outcome) {
            case OK -> committed;
            case FAIL -> aborted;
            case INFO -> unknown;
        };
    }

    Counts counts() {
        return new Counts(committed.get(), aborted.get(), unknown.get());
    }

    History history() {
        return history;
    }

    /** A worker's unexpected exception (a driver or client bug), if any. */
    Throwable failure() {
        return failure.get();
    }

    /**
     * Stops the workers after their current transaction and waits for them; a worker still busy at
     * the deadline means a transaction hangs, which is reported with its stack.
     */
    void stop(Duration timeout) throws InterruptedException {
        stopping.set(true);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread worker : workers) {
            long leftMillis = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            worker.join(leftMillis);
            if (worker.isAlive()) {
                String stack = Arrays.stream(worker.getStackTrace())
                        .map(StackTraceElement::toString)
                        .collect(Collectors.joining("\n\tat "));
                throw new AssertionError(worker.getName() + " still runs a transaction " + timeout
                        + " after the workload was told to stop (a hang):\n\tat " + stack);
            }
        }
        Throwable f = failure.get();
        if (f != null) {
            throw new AssertionError(name + ": a workload thread failed: " + f, f);
        }
    }
}
