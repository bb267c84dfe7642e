package io.tinykv.client.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.Clock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.client.txn.TxnTestCluster;
import io.tinykv.testkit.bank.BankWorkload;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.elle.ListAppendChecker;
import io.tinykv.testkit.elle.ListAppendWorkload;
import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.history.Outcome;
import io.tinykv.testkit.txn.ConcurrentRunner;
import io.tinykv.testkit.txn.Workload;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent bank and list-append workloads through the transactional client against real
 * transaction commands over RocksDB (three regions), checked by the testkit's checkers. The client
 * runs on the real clock here: readers that meet a live lock really wait for its transaction.
 */
class SnapshotIsolationWorkloadTest {
    private static final long BUDGET_MS = 10_000;
    private static final int THREADS = 4;
    private static final int TRANSACTIONS_PER_THREAD = 60;
    private static final long SEED = 20261126L;
    private static final long PD_TIMEOUT_MS = 3_000;
    /** The store-call deadline of the impatient client. */
    private static final long SHORT_KV_TIMEOUT_MS = 200;
    /** How long a slow store holds a request: past the impatient client's deadline. */
    private static final long SLOW_STORE_DELAY_MS = 400;

    @TempDir
    Path dataDir;

    private TxnTestCluster cluster;
    private TxnKvClient client;

    @BeforeEach
    void setUp() {
        cluster = new TxnTestCluster(FakeCluster.threeTxnRegions(), dataDir);
        client = cluster.client(Clock.system(), BUDGET_MS);
    }

    @AfterEach
    void tearDown() {
        client.close();
        cluster.close();
    }

    private History run(Workload workload) throws InterruptedException {
        return run(workload, TRANSACTIONS_PER_THREAD);
    }

    private History run(Workload workload, int transactionsPerThread) throws InterruptedException {
        History history = new History();
        AtomicLong logicalTime = new AtomicLong();
        new ConcurrentRunner(
                        new TxnKvExecutor(client),
                        workload,
                        history,
                        Thread.ofPlatform().factory(),
                        logicalTime::incrementAndGet)
                .run(THREADS, transactionsPerThread, SEED);
        return history;
    }

    private static long count(List<Operation> history, Outcome outcome) {
        return history.stream().filter(op -> op.outcome() == outcome).count();
    }

    @Test
    void bankTransfersNeverCreateOrLoseMoney() throws Exception {
        BankWorkload bank = new BankWorkload(BankWorkload.Config.defaults());
        bank.initialize(new TxnKvExecutor(client));

        List<Operation> history = run(bank).operations();

        CheckResult result = bank.checker().check(history);
        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(history).hasSize(THREADS * TRANSACTIONS_PER_THREAD);
        assertThat(count(history, Outcome.OK)).as("most transactions commit").isGreaterThan(history.size() / 2);
        assertThat(count(history, Outcome.INFO)).isZero();
    }

    @Test
    void lostResponsesAndTimeoutsBreakNoInvariant() throws Exception {
        BankWorkload bank = new BankWorkload(BankWorkload.Config.defaults());
        bank.initialize(new TxnKvExecutor(client));
        // Responses lost after the store executed the request: commits and prewrites that time out are
        // retried (idempotent), secondaries left locked are resolved by readers.
        cluster.faults().failAfterExecutingEvery("KvCommit", 3, Status.UNAVAILABLE.withDescription("lost"));
        cluster.faults().failAfterExecutingEvery("KvCommit", 7, Status.DEADLINE_EXCEEDED);
        cluster.faults().failAfterExecutingEvery("KvPrewrite", 11, Status.DEADLINE_EXCEEDED);
        cluster.faults().failAfterExecutingEvery("KvGet", 13, Status.UNAVAILABLE);

        // Fewer transactions: every fault costs a real backoff of 100 ms or more.
        List<Operation> history = run(bank, TRANSACTIONS_PER_THREAD / 2).operations();

        CheckResult result = bank.checker().check(history);
        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(count(history, Outcome.OK)).isGreaterThan(history.size() / 3);
        assertThat(cluster.faults().executed("KvCommit")).isGreaterThan(0);
    }

    @Test
    void storesAnsweringPastShortDeadlinesBreakNoInvariant() throws Exception {
        BankWorkload bank = new BankWorkload(BankWorkload.Config.defaults());
        bank.initialize(new TxnKvExecutor(client));
        // Every few prewrites and commits are held past the client's deadline, then executed late (after
        // the client's retry, or after the transaction finished): prewrites and commits are retried, not
        // given up, and the late copies change nothing.
        cluster.faults().delayEvery("KvPrewrite", 5, SLOW_STORE_DELAY_MS);
        cluster.faults().delayEvery("KvCommit", 7, SLOW_STORE_DELAY_MS);
        ClientConfig shortDeadlines =
                cluster.env().config(BUDGET_MS).withTimeoutsMs(PD_TIMEOUT_MS, SHORT_KV_TIMEOUT_MS);
        History history = new History();
        List<String> commitFailures = new CopyOnWriteArrayList<>();
        try (TxnKvClient impatient = TxnKvClient.create(
                shortDeadlines,
                cluster.env().channelFactory(),
                Clock.system(),
                TxnKvClient.DEFAULT_LOCK_TTL_MS,
                false)) {
            AtomicLong logicalTime = new AtomicLong();
            new ConcurrentRunner(
                            new TxnKvExecutor(impatient, failure -> commitFailures.add(failure.getMessage())),
                            bank,
                            history,
                            Thread.ofPlatform().factory(),
                            logicalTime::incrementAndGet)
                    .run(THREADS, TRANSACTIONS_PER_THREAD / 2, SEED);
        }

        List<Operation> operations = history.operations();
        CheckResult result = bank.checker().check(operations);
        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(cluster.faults().held("KvPrewrite"))
                .as("prewrites held past the deadline")
                .isPositive();
        assertThat(cluster.faults().held("KvCommit"))
                .as("commits held past the deadline")
                .isPositive();
        assertThat(count(operations, Outcome.OK)).as("most transactions commit").isGreaterThan(operations.size() / 2);
        // Aborts are write conflicts (and reads that timed out): no commit gave up on a slow store.
        assertThat(commitFailures).noneMatch(message -> message.contains("no answer within"));
    }

    @Test
    void listAppendHistoriesHaveNoSnapshotIsolationAnomalies() throws Exception {
        List<Operation> history = run(new ListAppendWorkload(ListAppendWorkload.Config.defaults()))
                .operations();

        CheckResult result = ListAppendChecker.strongSnapshotIsolation().check(history);
        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(count(history, Outcome.OK)).isGreaterThan(history.size() / 2);
        assertThat(count(history, Outcome.INFO)).isZero();
    }
}
