package io.tinykv.compat;

import static io.tinykv.compat.BankUnderLeaderKill.KEY_PREFIX;
import static io.tinykv.compat.BankUnderLeaderKill.LOCK_TTL_MILLIS;
import static io.tinykv.compat.BankUnderLeaderKill.STARTUP;
import static io.tinykv.compat.BankUnderLeaderKill.STEP_BACKOFF_MILLIS;
import static io.tinykv.compat.BankUnderLeaderKill.STORES;
import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.testkit.bank.BankWorkload;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.TiSession;

/**
 * The independent bank workload through the official TiKV Java client's transactional API (its
 * {@code TwoPhaseCommitter} and {@code KVClient}), now against the replicated cluster — a scheduler
 * in TXN key mode and three {@code tinykv server} processes — while the store leading the region is
 * killed with SIGKILL mid-run and restarted ({@link BankUnderLeaderKill}).
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class TxnBankClusterCompatTest {

    private static final long SEED = 20_261_126L;

    @TempDir
    Path dir;

    @Test
    void theLeadersStoreKilledMidRunBreaksNoSnapshotRead() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, STORES, ClientKeyMode.TXN)) {
            cluster.awaitServing(STARTUP);
            try (TiSession session = Sessions.openTransactional(cluster.pdAddress());
                    TikvClientTxnExecutor executor =
                            new TikvClientTxnExecutor(session, KEY_PREFIX, LOCK_TTL_MILLIS, STEP_BACKOFF_MILLIS)) {
                BankWorkload bank = new BankWorkload(BankWorkload.Config.defaults());
                bank.initialize(executor);
                BankUnderLeaderKill.Outcome outcome = BankUnderLeaderKill.run(cluster, executor, bank, SEED, () -> {});
                BankUnderLeaderKill.assertSound(cluster, outcome, "");
                assertFinalBalancesSumToTotal(executor, bank);
            }
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
}
