package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.PdClient;
import io.tinykv.client.RegionInfo;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.testkit.bank.BankWorkload;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.txn.ConcurrentRunner;
import io.tinykv.testkit.wait.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tikv.common.TiSession;

/**
 * The independent bank workload through the official TiKV Java client's transactional API (its
 * {@code TwoPhaseCommitter} and {@code KVClient}), now against the replicated cluster — a scheduler
 * in TXN key mode and three {@code tinykv server} processes — while the store leading the region is
 * killed with SIGKILL mid-run and restarted. The testkit's {@code BankChecker} judges the history:
 * every committed snapshot read sums to the bank's total; outcomes the client could not learn are
 * indeterminate, never assumed failed.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class TxnBankClusterCompatTest {

    private static final Logger LOG = LoggerFactory.getLogger(TxnBankClusterCompatTest.class);

    private static final int STORES = 3;
    private static final Duration STARTUP = Duration.ofMinutes(5);
    /** A lost leader costs an election, a scheduler heartbeat and the client's backoff first. */
    /** A deadline, not a wait: generous for a machine at load average 60 (each process a few percent of a core). */
    private static final Duration PROGRESS = Duration.ofSeconds(240);
    private static final long LOCK_TTL_MILLIS = 3_000;
    /** Each commit step's retry budget: long enough to ride out a leader election. */
    private static final int STEP_BACKOFF_MILLIS = 20_000;
    private static final String KEY_PREFIX = "bank/";
    private static final int THREADS = 4;
    private static final int TRANSACTIONS_PER_THREAD = 30;
    private static final long SEED = 20_261_126L;
    /** Finished transactions before the kill, and again before the restart. */
    private static final int OPERATIONS_PER_PHASE = 25;

    @TempDir
    Path dir;

    @Test
    void theLeadersStoreKilledMidRunBreaksNoSnapshotRead() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, STORES, ClientKeyMode.TXN)) {
            cluster.awaitServing(STARTUP);
            try (TiSession session = Sessions.openTransactional(cluster.pdAddress());
                    TikvClientTxnExecutor executor = new TikvClientTxnExecutor(session, cluster.pdAddress(),
                            KEY_PREFIX, LOCK_TTL_MILLIS, STEP_BACKOFF_MILLIS)) {
                BankWorkload bank = new BankWorkload(BankWorkload.Config.defaults());
                bank.initialize(executor);

                History history = new History();
                AtomicLong clock = new AtomicLong();
                CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
                    try {
                        new ConcurrentRunner(executor, bank, history, Thread.ofPlatform().factory(),
                                clock::incrementAndGet).run(THREADS, TRANSACTIONS_PER_THREAD, SEED);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                });

                awaitFinished(history::size, OPERATIONS_PER_PHASE, run, "before the kill");
                int leader = cluster.storeIndex(leaderStoreOfFirstRegion(cluster.pdAddress()));
                String victim = "store" + leader;
                LOG.info("killing {} (SIGKILL), the region's leader, after {} transactions", victim, history.size());
                cluster.kill(victim);
                awaitFinished(history::size, history.size() + OPERATIONS_PER_PHASE, run, "with " + victim + " down");
                cluster.restart(victim);
                cluster.awaitHealthy(victim, cluster.storeAddress(leader), STARTUP);
                run.get(PROGRESS.toSeconds() * TRANSACTIONS_PER_THREAD, TimeUnit.SECONDS);

                List<Operation> operations = history.operations();
                assertThat(operations).hasSize(THREADS * TRANSACTIONS_PER_THREAD);
                CheckResult result = bank.checker().check(operations);
                String summary = summarize(operations);
                LOG.info("bank on the cluster: {}; checker: {}", summary, result.report());
                assertThat(result.valid()).as(result.report()).isTrue();
                assertThat(operations.stream().filter(Operation::isOk)
                        .filter(op -> op.ops().stream().anyMatch(m -> m instanceof MicroOp.Transfer)).count())
                        .as("committed transfers; %s", summary).isPositive();
                assertFinalBalancesSumToTotal(executor, bank);
                assertThat(cluster.unexpectedExits()).as("only the killed store stopped")
                        .containsExactly(victim + " exited 137");
            }
        }
    }

    /** Waits until {@code finished} reaches {@code target}, failing early if the run itself failed. */
    private static void awaitFinished(IntSupplier finished, int target, CompletableFuture<Void> run, String phase) {
        Await.until(() -> finished.getAsInt() >= target || run.isDone(), PROGRESS,
                () -> "only " + finished.getAsInt() + " of " + target + " transactions finished " + phase);
        if (finished.getAsInt() < target) {
            run.join(); // rethrows the runner's failure, if any; else every transaction finished before the target
        }
    }

    /** The store leading the region that holds the empty key (the cluster's only region). */
    private static long leaderStoreOfFirstRegion(String pdAddress) {
        try (PdClient pd = PdClient.connect(ClientConfig.of(List.of(pdAddress)))) {
            RegionInfo region = pd.getRegion(ByteString.EMPTY)
                    .orElseThrow(() -> new AssertionError("the scheduler knows no region"));
            assertThat(region.hasLeader()).as("region %s has a leader", region).isTrue();
            return region.leader().getStoreId();
        }
    }

    /** After the run, one more snapshot of every account must still hold the whole total. */
    private static void assertFinalBalancesSumToTotal(TikvClientTxnExecutor executor, BankWorkload bank)
            throws Exception {
        var txn = executor.begin();
        long sum = 0;
        for (String account : bank.accounts()) {
            List<Long> balance = txn.read(account);
            assertThat(balance).as(account).hasSize(1);
            assertThat(balance.getFirst()).as(account).isNotNegative();
            sum += balance.getFirst();
        }
        txn.abort();
        assertThat(sum).isEqualTo(bank.total());
    }

    private static String summarize(List<Operation> operations) {
        long ok = operations.stream().filter(Operation::isOk).count();
        long failed = operations.stream().filter(Operation::isFailed).count();
        long info = operations.stream().filter(Operation::isInfo).count();
        return "outcomes: " + ok + " ok, " + failed + " failed, " + info + " info";
    }
}
