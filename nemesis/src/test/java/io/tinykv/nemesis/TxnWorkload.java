package io.tinykv.nemesis;

import io.tinykv.testkit.bank.BankWorkload;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.elle.ListAppendChecker;
import io.tinykv.testkit.elle.ListAppendWorkload;
import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.history.Outcome;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.TxnFailedException;
import io.tinykv.testkit.txn.TxnPlan;
import io.tinykv.testkit.txn.TxnRun;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Client threads running bank or list-append transactions through one {@link TxnExecutor} until
 * stopped, phase after phase; each phase has keys of its own (a fresh bank, fresh lists) and its own
 * history, checked by the testkit: {@code BankChecker} (every snapshot sums to the total, no negative
 * balance) or {@code ListAppendChecker} (strong snapshot isolation).
 */
final class TxnWorkload implements PhasedWorkload, AutoCloseable {
    enum Kind {
        BANK,
        LIST_APPEND
    }

    private final String clientName;
    private final TxnExecutor executor;
    private final Kind kind;
    private final Availability availability = new Availability();
    private final List<Thread> threads = new ArrayList<>();
    private final List<TxnPhase> phases = new ArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong phaseCommits = new java.util.concurrent.atomic.AtomicLong();
    private volatile TxnPhase current;
    private volatile boolean stopped;

    TxnWorkload(String clientName, TxnExecutor executor, Kind kind) {
        this.clientName = clientName;
        this.executor = executor;
        this.kind = kind;
    }

    @Override
    public String name() {
        return clientName + " " + kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** Moves the clients to a new phase; a bank's accounts are written first (the cluster must serve). */
    @Override
    public synchronized void beginPhase(String name, String prefix) throws TxnFailedException {
        TxnExecutor prefixed = new PrefixedExecutor(executor, prefix + "/" + clientName + "/" + kind + "/");
        TxnPhase phase = switch (kind) {
            case BANK -> {
                BankWorkload bank = new BankWorkload(BankWorkload.Config.defaults());
                bank.initialize(prefixed);
                yield new TxnPhase(name, prefixed, bank, new History());
            }
            case LIST_APPEND ->
                new TxnPhase(
                        name, prefixed, new ListAppendWorkload(ListAppendWorkload.Config.defaults()), new History());
        };
        phases.add(phase);
        availability.startPhase();
        phaseCommits.set(0);
        current = phase;
    }

    @Override
    public long phaseSuccesses() {
        return phaseCommits.get();
    }

    @Override
    public long endPhase() {
        return availability.endPhase();
    }

    void start(int threadCount, long seed) {
        if (current == null) {
            throw new IllegalStateException("begin a phase before starting the clients");
        }
        SplittableRandom root = new SplittableRandom(seed);
        for (int t = 0; t < threadCount; t++) {
            int process = t;
            SplittableRandom random = root.split();
            Thread thread = new Thread(() -> run(process, random), name() + "-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private void run(int process, SplittableRandom random) {
        while (!stopped) {
            TxnPhase phase = current;
            TxnPlan plan = phase.workload().next(random);
            int id = phase.history().invoke(process, System.nanoTime(), plan.ops());
            TxnRun run = new TxnRun(phase.executor(), plan);
            run.runToEnd();
            phase.history().complete(id, System.nanoTime(), run.outcome(), run.completedOps());
            if (run.outcome() == Outcome.OK) {
                phaseCommits.incrementAndGet();
                availability.succeeded();
            }
        }
    }

    void stop(Duration timeout) throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread thread : threads) {
            thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " still in a transaction " + timeout + " after stop");
            }
        }
    }

    List<TxnPhase> phases() {
        return List.copyOf(phases);
    }

    /** The testkit's verdict on one phase's history. */
    CheckResult check(TxnPhase phase) {
        List<Operation> operations = phase.history().operations();
        return switch (phase.workload()) {
            case BankWorkload bank -> bank.checker().check(operations);
            case ListAppendWorkload lists ->
                ListAppendChecker.strongSnapshotIsolation().check(operations);
            default -> throw new IllegalStateException("no checker for " + phase.workload());
        };
    }

    /**
     * Committed money that is gone after the run: one more snapshot of a bank's accounts must sum to
     * the total (an empty string when it does, or for list-append, whose lost appends the checker reports).
     */
    String lostAfterRun(TxnPhase phase) throws TxnFailedException {
        if (!(phase.workload() instanceof BankWorkload bank)) {
            return "";
        }
        var txn = phase.executor().begin();
        long sum = 0;
        List<String> balances = new ArrayList<>();
        for (String account : bank.accounts()) {
            List<Long> balance = txn.read(account);
            balances.add(account + "=" + balance);
            sum += balance.stream().mapToLong(Long::longValue).sum();
        }
        txn.abort();
        return sum == bank.total() ? "" : "accounts sum to " + sum + " instead of " + bank.total() + ": " + balances;
    }

    @Override
    public void close() {
        stopped = true;
    }
}
