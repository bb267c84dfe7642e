package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.testkit.bank.BankWorkload;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.txn.ConcurrentRunner;
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
 * An independent bank workload through the official TiKV Java client's transactional API against a
 * real {@code tinykv standalone} process: concurrent transfers and snapshot reads, each a Percolator
 * transaction written with the client's {@code TwoPhaseCommitter}, checked by the testkit's
 * {@code BankChecker} (every committed snapshot read sums to the bank's total, no negative balance).
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class TxnBankCompatTest {

    private static final Logger LOG = LoggerFactory.getLogger(TxnBankCompatTest.class);

    private static final Duration STARTUP = Duration.ofMinutes(5);
    /**
     * Long enough for a healthy transaction to finish, short enough that a lock left by one that
     * could not roll back does not stall the others for long.
     */
    private static final long LOCK_TTL_MILLIS = 3_000;
    /** Each commit step's retry budget, waiting on other transactions' locks included. */
    private static final int STEP_BACKOFF_MILLIS = 5_000;

    private static final String KEY_PREFIX = "bank/";
    private static final int THREADS = 4;
    private static final int TRANSACTIONS_PER_THREAD = 40;
    private static final long SEED = 20_240_905L;
    /** Fewer committed transfers than this would mean the store refused almost everything. */
    private static final int MIN_COMMITTED_TRANSFERS = 20;
    /** Snapshot reads rarely conflict, so at least this many should commit too. */
    private static final int MIN_COMMITTED_SNAPSHOT_READS = 20;

    @TempDir
    static Path dir;

    private static TinykvProcess tinykv;
    private static TiSession session;
    private static TikvClientTxnExecutor executor;

    @BeforeAll
    static void startTinykv() {
        tinykv = TinykvProcess.start(dir.resolve("data"), dir.resolve("tinykv.log"))
                .awaitServing(STARTUP);
        session = Sessions.openTransactional(tinykv.address());
        executor = new TikvClientTxnExecutor(session, KEY_PREFIX, LOCK_TTL_MILLIS, STEP_BACKOFF_MILLIS);
    }

    @AfterAll
    static void stopTinykv() throws Exception {
        try {
            if (tinykv != null) {
                // Conflicts and rollbacks are expected answers, never server errors.
                assertThat(tinykv.log()
                                .lines()
                                .filter(line -> line.contains(" ERROR "))
                                .toList())
                        .as("errors in the tinykv log")
                        .isEmpty();
            }
        } finally {
            try {
                if (executor != null) {
                    executor.close();
                }
                if (session != null) {
                    session.close();
                }
            } finally {
                if (tinykv != null) {
                    tinykv.close();
                }
            }
        }
    }

    @Test
    void concurrentTransfersKeepEverySnapshotReadAtTheBanksTotal() throws Exception {
        BankWorkload bank = new BankWorkload(BankWorkload.Config.defaults());
        bank.initialize(executor);

        History history = new History();
        AtomicLong clock = new AtomicLong();
        new ConcurrentRunner(executor, bank, history, Thread.ofPlatform().factory(), clock::incrementAndGet)
                .run(THREADS, TRANSACTIONS_PER_THREAD, SEED);

        List<Operation> operations = history.operations();
        assertThat(operations).hasSize(THREADS * TRANSACTIONS_PER_THREAD);
        CheckResult result = bank.checker().check(operations);
        assertThat(result.valid()).as(result.report()).isTrue();

        long committedTransfers = operations.stream()
                .filter(Operation::isOk)
                .filter(op -> op.ops().stream().anyMatch(m -> m instanceof MicroOp.Transfer))
                .count();
        long committedSnapshotReads = operations.stream()
                .filter(Operation::isOk)
                .filter(op -> op.ops().stream().allMatch(m -> m instanceof MicroOp.BalanceRead))
                .count();
        String summary = summarize(operations);
        LOG.info(
                "bank run: {} committed transfers, {} committed snapshot reads, {}; checker: {}",
                committedTransfers,
                committedSnapshotReads,
                summary,
                result.report());
        assertThat(committedTransfers).as("committed transfers; %s", summary).isGreaterThan(MIN_COMMITTED_TRANSFERS);
        assertThat(committedSnapshotReads)
                .as("committed snapshot reads; %s", summary)
                .isGreaterThan(MIN_COMMITTED_SNAPSHOT_READS);
        assertFinalBalancesSumToTotal(bank);
    }

    /** After the run, one more snapshot of every account must still hold the whole total. */
    private static void assertFinalBalancesSumToTotal(BankWorkload bank) throws Exception {
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
