package io.tinykv.server.txnfaults;

import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.testkit.bank.BankWorkload;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.elle.ListAppendChecker;
import io.tinykv.testkit.elle.ListAppendWorkload;
import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.history.Outcome;
import io.tinykv.testkit.wait.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * The bank and the list-append workloads running side by side through one {@link TxnKvClient},
 * each in its own key namespace, and everything checked about them afterwards.
 */
final class TwoWorkloads {

    /** Parameters of a run; the defaults keep a test to seconds, system properties make runs longer. */
    record Sizes(long seed, int threadsPerWorkload, int commitsPerPhase) {
        static Sizes fromSystemProperties() {
            return new Sizes(
                    Long.getLong("tinykv.txnfaults.seed", 20261126L),
                    Integer.getInteger("tinykv.txnfaults.threads", 2),
                    Integer.getInteger("tinykv.txnfaults.commitsPerPhase", 12));
        }
    }

    /** Seeds of the two workloads differ, so that they do not draw the same plans. */
    private static final long LIST_SEED_OFFSET = 1;

    private static final Duration STOP_WAIT = Duration.ofSeconds(60);
    private static final Duration FINAL_READ_WAIT = Duration.ofSeconds(60);

    private final Sizes sizes;
    private final TxnKvClient client;
    private final BankWorkload.Config bankConfig = BankWorkload.Config.defaults();
    private final BankWorkload bank = new BankWorkload(bankConfig);
    private final MarkedTxnExecutor bankExecutor;
    private final WorkloadDriver bankDriver;
    private final MarkedTxnExecutor listExecutor;
    private final WorkloadDriver listDriver;
    private Set<Long> initializationAttempts = Set.of();

    TwoWorkloads(TxnKvClient client, Sizes sizes) {
        this.sizes = sizes;
        this.client = client;
        this.bankExecutor = new MarkedTxnExecutor(client, "bank");
        this.bankDriver = new WorkloadDriver("bank", bankExecutor, bank);
        this.listExecutor = new MarkedTxnExecutor(client, "list");
        this.listDriver =
                new WorkloadDriver("list", listExecutor, new ListAppendWorkload(ListAppendWorkload.Config.defaults()));
    }

    /** Opens the bank's accounts (on the healthy cluster) and starts both workloads. */
    void start() throws Exception {
        bank.initialize(bankExecutor);
        Set<Long> init = new HashSet<>();
        bankExecutor.attempts().forEach(a -> init.add(a.id()));
        initializationAttempts = Set.copyOf(init);
        bankDriver.start(sizes.threadsPerWorkload(), sizes.seed());
        listDriver.start(sizes.threadsPerWorkload(), sizes.seed() + LIST_SEED_OFFSET);
    }

    WorkloadDriver.Counts bankCounts() {
        return bankDriver.counts();
    }

    WorkloadDriver.Counts listCounts() {
        return listDriver.counts();
    }

    long beginFailures() {
        return bankExecutor.beginFailures() + listExecutor.beginFailures();
    }

    /** Waits until both workloads have committed {@code commitsPerPhase} more transactions. */
    void awaitCommits(String phase, Duration timeout) {
        awaitMore(phase, timeout, sizes.commitsPerPhase(), WorkloadDriver.Counts::committed, "committed");
    }

    /** Waits until both workloads have finished {@code count} more transactions, however they ended. */
    void awaitFinished(String phase, Duration timeout, int count) {
        awaitMore(phase, timeout, count, WorkloadDriver.Counts::total, "finished");
    }

    private void awaitMore(
            String phase, Duration timeout, int count, ToLongFunction<WorkloadDriver.Counts> of, String what) {
        long bankFrom = of.applyAsLong(bankDriver.counts());
        long listFrom = of.applyAsLong(listDriver.counts());
        Await.until(
                () -> {
                    failFast();
                    return of.applyAsLong(bankDriver.counts()) >= bankFrom + count
                            && of.applyAsLong(listDriver.counts()) >= listFrom + count;
                },
                timeout,
                phase + ": both workloads " + what + " " + count + " more transactions (bank " + bankDriver.counts()
                        + "; list " + listDriver.counts() + ")");
    }

    private void failFast() {
        for (WorkloadDriver d : List.of(bankDriver, listDriver)) {
            if (d.failure() != null) {
                throw new AssertionError("a workload thread failed: " + d.failure(), d.failure());
            }
        }
    }

    /**
     * Stops both workloads and checks everything: the checkers' verdicts on the histories, the
     * markers against the reported outcomes, the final data against the committed transactions.
     *
     * @return a one-line summary of the run counts, for the test output
     * @throws AssertionError listing every violation found
     */
    String stopAndCheck(String testName) throws InterruptedException {
        bankDriver.stop(STOP_WAIT);
        listDriver.stop(STOP_WAIT);
        List<String> problems = new ArrayList<>();

        // Bank: every committed snapshot read sums to the total, no negative balance (the checker);
        // the final balances are what the visible transfers made of the initial ones.
        List<Operation> bankHistory = bankDriver.history().operations();
        CheckResult bankResult = bank.checker().check(bankHistory);
        if (!bankResult.valid()) {
            problems.add("bank checker: " + bankResult.report());
        }
        FinalRead bankFinal = FinalRead.take(client, bankExecutor, bank.accounts(), FINAL_READ_WAIT);
        List<MarkedTxnExecutor.Attempt> bankAttempts = bankExecutor.attempts();
        for (MarkedTxnExecutor.Attempt a : bankAttempts) {
            if (initializationAttempts.contains(a.id()) && a.outcome() != Outcome.OK) {
                problems.add("the bank's initialization ended " + a.outcome());
            }
        }
        List<MarkedTxnExecutor.Attempt> transfers = bankAttempts.stream()
                .filter(a -> !initializationAttempts.contains(a.id()))
                .toList();
        OutcomeChecks.MarkerTally bankTally = OutcomeChecks.markers(bankAttempts, bankFinal, problems);
        Map<String, Long> initial = new HashMap<>();
        bank.accounts().forEach(acct -> initial.put(acct, bankConfig.initialBalance()));
        OutcomeChecks.bankBalances(transfers, initial, bankFinal, bank.total(), problems);

        // List-append: the final read joins the history as one more (committed) transaction, so that
        // the checker also judges it under strong snapshot isolation (it began after all others ended).
        History listHistory = listDriver.history();
        Set<String> keys = new TreeSet<>();
        for (Operation op : listHistory.operations()) {
            for (MicroOp m : op.ops()) {
                switch (m) {
                    case MicroOp.Append a -> keys.add(a.key());
                    case MicroOp.Read r -> keys.add(r.key());
                    case MicroOp.BalanceRead b -> throw new IllegalStateException("bank op in list history: " + b);
                    case MicroOp.Transfer t -> throw new IllegalStateException("bank op in list history: " + t);
                }
            }
        }
        FinalRead listFinal = FinalRead.take(client, listExecutor, keys, FINAL_READ_WAIT);
        int finalProcess = sizes.threadsPerWorkload();
        List<MicroOp> unknownReads =
                keys.stream().<MicroOp>map(MicroOp.Read::unknown).toList();
        List<MicroOp> finalReads = keys.stream()
                .<MicroOp>map(k -> new MicroOp.Read(k, listFinal.values().get(k)))
                .toList();
        int finalId = listHistory.invoke(finalProcess, listFinal.startNanos(), unknownReads);
        listHistory.complete(finalId, listFinal.endNanos(), Outcome.OK, finalReads);
        CheckResult listResult = ListAppendChecker.strongSnapshotIsolation().check(listHistory.operations());
        if (!listResult.valid()) {
            problems.add("list-append checker: " + listResult.report());
        }
        List<MarkedTxnExecutor.Attempt> listAttempts = listExecutor.attempts();
        OutcomeChecks.MarkerTally listTally = OutcomeChecks.markers(listAttempts, listFinal, problems);
        OutcomeChecks.appendedElements(listAttempts, listFinal, problems);

        List<String> surprises = new ArrayList<>(bankExecutor.surprises());
        surprises.addAll(listExecutor.surprises());
        surprises.forEach(s -> problems.add("client broke its contract: " + s));

        String summary = testName + " [seed " + sizes.seed() + ", " + sizes.threadsPerWorkload()
                + " threads per workload]\n  bank: " + bankDriver.counts() + "; " + bankTally
                + "\n  list-append: " + listDriver.counts() + "; " + listTally + "; " + keys.size() + " keys"
                + "\n  begin failures (no timestamp): " + beginFailures();
        if (!problems.isEmpty()) {
            throw new AssertionError(
                    summary + "\n" + problems.size() + " problems:\n  " + String.join("\n  ", problems));
        }
        return summary;
    }
}
