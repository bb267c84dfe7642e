package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.client.ClientConfig;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.testkit.bank.BankWorkload;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.elle.ListAppendChecker;
import io.tinykv.testkit.elle.ListAppendWorkload;
import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.txn.ConcurrentRunner;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.Workload;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tikv.common.TiSession;

/**
 * The snapshot-isolation workloads of P0 issue 11 beyond the TiKV-client bank, against a real
 * {@code tinykv standalone}, each judged by a testkit checker: the bank (ten accounts, half the
 * transactions full snapshot reads) through our own {@link TxnKvClient}, and an Elle-style
 * list-append through the TiKV Java client with a 1 s lock TTL (so that transactions resolve each
 * other's locks). {@code -Dtinykv.soak.factor=N} runs N times as many transactions.
 */
@SuppressWarnings("try")
class SnapshotWorkloadsCompatTest {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotWorkloadsCompatTest.class);
    private static final Duration STARTUP = Duration.ofMinutes(5);
    private static final int THREADS = 4;
    /** Per thread, at the default soak factor: 10-25 s per workload on a loaded two-core machine. */
    private static final int TRANSACTIONS_PER_THREAD = 25;

    private static final long LOCK_TTL_MILLIS = 1_000;
    private static final int STEP_BACKOFF_MILLIS = 5_000;

    @TempDir
    static Path dir;

    private static TinykvProcess tinykv;

    @BeforeAll
    static void start() {
        tinykv = TinykvProcess.start(dir.resolve("data"), dir.resolve("tinykv.log"))
                .awaitServing(STARTUP);
    }

    @AfterAll
    static void stop() {
        if (tinykv != null) {
            tinykv.close();
        }
    }

    private static int transactionsPerThread() {
        return (int) (TRANSACTIONS_PER_THREAD * Soak.duration(1).toSeconds());
    }

    private static List<Operation> run(TxnExecutor executor, Workload workload) throws InterruptedException {
        History history = new History();
        AtomicLong clock = new AtomicLong();
        new ConcurrentRunner(executor, workload, history, Thread.ofPlatform().factory(), clock::incrementAndGet)
                .run(THREADS, transactionsPerThread(), Soak.seed());
        return history.operations();
    }

    private static String outcomes(List<Operation> operations) {
        return operations.stream().filter(Operation::isOk).count() + " ok, "
                + operations.stream().filter(Operation::isFailed).count() + " failed, "
                + operations.stream().filter(Operation::isInfo).count() + " info";
    }

    @Test
    void bankThroughOurTxnKvClientKeepsEverySnapshotAtTheTotal() throws Exception {
        try (TxnKvClient client = TxnKvClient.create(ClientConfig.of(List.of(tinykv.address())))) {
            TxnExecutor executor = new TxnKvClientExecutor(client, "ourbank/");
            BankWorkload bank = new BankWorkload(new BankWorkload.Config(10, 100, 20, 0.5));
            bank.initialize(executor);
            List<Operation> operations = run(executor, bank);
            CheckResult result = bank.checker().check(operations);
            LOG.info("bank through TxnKvClient on standalone: {}; checker: {}", outcomes(operations), result.report());
            assertThat(result.valid()).as(result.report()).isTrue();
            assertThat(operations.stream().filter(Operation::isOk).count())
                    .as(outcomes(operations))
                    .isPositive();
        }
    }

    @Test
    void listAppendThroughTheTikvClientHasNoSnapshotIsolationAnomaly() throws Exception {
        try (TiSession session = Sessions.openTransactional(tinykv.address());
                TikvClientTxnExecutor executor =
                        new TikvClientTxnExecutor(session, "append/", LOCK_TTL_MILLIS, STEP_BACKOFF_MILLIS)) {
            List<Operation> operations = run(executor, new ListAppendWorkload(ListAppendWorkload.Config.defaults()));
            CheckResult result = ListAppendChecker.strongSnapshotIsolation().check(operations);
            LOG.info(
                    "list-append through the TiKV client on standalone: {}; checker: {}",
                    outcomes(operations),
                    result.report());
            assertThat(result.valid()).as(result.report()).isTrue();
            assertThat(operations.stream().filter(Operation::isOk).count())
                    .as(outcomes(operations))
                    .isPositive();
        }
    }
}
