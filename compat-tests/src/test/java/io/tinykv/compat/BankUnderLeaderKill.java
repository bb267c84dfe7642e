package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.client.ClientConfig;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.testkit.bank.BankWorkload;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.txn.ConcurrentRunner;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.wait.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tikv.common.TiSession;

/**
 * The bank workload on a three-store cluster while the store leading its region is SIGKILLed
 * mid-run and restarted: the run and the checks that every test of it makes. The testkit's
 * {@code BankChecker} judges the history: every committed snapshot read sums to the bank's total;
 * outcomes a client could not learn are indeterminate, never assumed failed.
 */
final class BankUnderLeaderKill {

    private static final Logger LOG = LoggerFactory.getLogger(BankUnderLeaderKill.class);

    static final int STORES = 3;
    static final Duration STARTUP = Duration.ofMinutes(5);
    /** A deadline, not a wait: generous for a machine at load average 60 (each process a few percent of a core). */
    static final Duration PROGRESS = Duration.ofSeconds(240);

    static final long LOCK_TTL_MILLIS = 3_000;
    /** Each commit step's retry budget: long enough to ride out a leader election. */
    static final int STEP_BACKOFF_MILLIS = 20_000;

    static final String KEY_PREFIX = "bank/";
    private static final int THREADS = 4;
    private static final int TRANSACTIONS_PER_THREAD = 30;
    /** Finished transactions before the kill, and again before the restart. */
    private static final int OPERATIONS_PER_PHASE = 25;

    /** What a run did: its history, the checker's verdict and the store it killed. */
    record Outcome(List<Operation> operations, CheckResult check, String victim) {
        String summary() {
            long ok = operations.stream().filter(Operation::isOk).count();
            long failed = operations.stream().filter(Operation::isFailed).count();
            long info = operations.stream().filter(Operation::isInfo).count();
            return "outcomes: " + ok + " ok, " + failed + " failed, " + info + " info";
        }
    }

    private BankUnderLeaderKill() {}

    /**
     * Runs {@code bank} (initialized) through {@code executor} on {@code cluster}: kills the region
     * leader's store after some transactions ({@code atKill} runs just before), lets more finish
     * without it, restarts it and waits for the rest.
     */
    static Outcome run(LocalCluster cluster, TxnExecutor executor, BankWorkload bank, long seed, Runnable atKill)
            throws Exception {
        History history = new History();
        AtomicLong clock = new AtomicLong();
        CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
            try {
                new ConcurrentRunner(
                                executor, bank, history, Thread.ofPlatform().factory(), clock::incrementAndGet)
                        .run(THREADS, TRANSACTIONS_PER_THREAD, seed);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });

        awaitFinished(history::size, OPERATIONS_PER_PHASE, run, "before the kill");
        atKill.run();
        int leader = cluster.storeIndex(cluster.leaderStoreOf(new byte[0]));
        String victim = "store" + leader;
        LOG.info("killing {} (SIGKILL), the region's leader, after {} transactions", victim, history.size());
        cluster.kill(victim);
        awaitFinished(history::size, history.size() + OPERATIONS_PER_PHASE, run, "with " + victim + " down");
        cluster.restart(victim);
        cluster.awaitHealthy(victim, cluster.storeAddress(leader), STARTUP);
        run.get(PROGRESS.toSeconds() * TRANSACTIONS_PER_THREAD, TimeUnit.SECONDS);

        List<Operation> operations = history.operations();
        assertThat(operations).hasSize(THREADS * TRANSACTIONS_PER_THREAD);
        return new Outcome(operations, bank.checker().check(operations), victim);
    }

    /** How many of our client's transactions committed on the path under test: before the kill, and in all. */
    record PathCommits(long beforeKill, long total, String detail) {}

    /**
     * The run every "our client beside the TiKV client" soak makes: on a fresh cluster under {@code
     * dir}, {@code ourClient} and the official TiKV Java client's plain two-phase commit take turns
     * ({@link TakingTurns}) on the same accounts through {@link #run}, checked by {@link #assertSound}.
     *
     * @param committedOnPath how many of our transactions took the path under test (1PC, async commit)
     * @param path that path in words, for the messages ("in one phase")
     */
    @SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
    static PathCommits runOursNextToTikvTwoPc(
            Path dir,
            long seed,
            Function<ClientConfig, TxnKvClient> ourClient,
            ToLongFunction<TxnKvClientExecutor> committedOnPath,
            String path)
            throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, STORES, ClientKeyMode.TXN)) {
            cluster.awaitServing(STARTUP);
            try (TiSession session = Sessions.openTransactional(cluster.pdAddress());
                    TikvClientTxnExecutor theirs =
                            new TikvClientTxnExecutor(session, KEY_PREFIX, LOCK_TTL_MILLIS, STEP_BACKOFF_MILLIS);
                    TxnKvClient client = ourClient.apply(ClientConfig.of(List.of(cluster.pdAddress())))) {
                TxnKvClientExecutor ours = new TxnKvClientExecutor(client, KEY_PREFIX);
                BankWorkload bank = new BankWorkload(BankWorkload.Config.defaults());
                bank.initialize(theirs);
                AtomicLong beforeKill = new AtomicLong();
                Outcome outcome = run(
                        cluster,
                        new TakingTurns(ours, theirs),
                        bank,
                        seed,
                        () -> beforeKill.set(committedOnPath.applyAsLong(ours)));
                long total = committedOnPath.applyAsLong(ours);
                String detail = ", " + total + " committed " + path + " (" + beforeKill.get() + " before the kill)";
                assertSound(cluster, outcome, detail);
                return new PathCommits(beforeKill.get(), total, detail);
            }
        }
    }

    /**
     * The checker found no broken snapshot, some transfers committed, and only the killed store
     * stopped; {@code detail} goes into every message.
     */
    static void assertSound(LocalCluster cluster, Outcome outcome, String detail) {
        String summary = outcome.summary() + detail;
        LOG.info(
                "bank on the cluster: {}; checker: {}", summary, outcome.check().report());
        assertThat(outcome.check().valid()).as(outcome.check().report()).isTrue();
        assertThat(outcome.operations().stream()
                        .filter(Operation::isOk)
                        .filter(op -> op.ops().stream().anyMatch(m -> m instanceof MicroOp.Transfer))
                        .count())
                .as("committed transfers; %s", summary)
                .isPositive();
        assertThat(cluster.unexpectedExits())
                .as("only the killed store stopped")
                .containsExactly(outcome.victim() + " exited 137");
    }

    /** Waits until {@code finished} reaches {@code target}, failing early if the run itself failed. */
    private static void awaitFinished(IntSupplier finished, int target, CompletableFuture<Void> run, String phase) {
        Await.until(
                () -> finished.getAsInt() >= target || run.isDone(),
                PROGRESS,
                () -> "only " + finished.getAsInt() + " of " + target + " transactions finished " + phase);
        if (finished.getAsInt() < target) {
            run.join(); // rethrows the runner's failure, if any; else every transaction finished before the target
        }
    }
}
