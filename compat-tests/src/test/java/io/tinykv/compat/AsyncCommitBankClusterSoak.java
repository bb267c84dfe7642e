package io.tinykv.compat;

import static io.tinykv.compat.BankUnderLeaderKill.KEY_PREFIX;
import static io.tinykv.compat.BankUnderLeaderKill.LOCK_TTL_MILLIS;
import static io.tinykv.compat.BankUnderLeaderKill.STARTUP;
import static io.tinykv.compat.BankUnderLeaderKill.STEP_BACKOFF_MILLIS;
import static io.tinykv.compat.BankUnderLeaderKill.STORES;
import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.client.ClientConfig;
import io.tinykv.client.Clock;
import io.tinykv.client.TxnKvClient;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.security.ChannelFactory;
import io.tinykv.testkit.bank.BankWorkload;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.TiSession;

/**
 * The bank workload with our client committing with async commit (1PC off, so that the one region's
 * transactions take the async path: the stores pick the commit ts during the prewrite, the transaction
 * is reported committed then, and its keys are committed in the background) and the official TiKV Java
 * client's plain two-phase commit taking turns on the same accounts, on three {@code tinykv server}
 * processes, while the store leading the region is SIGKILLed mid-run and restarted ({@link
 * BankUnderLeaderKill}). Transactions reported committed whose background commit died with the store
 * must be found committed by the lock resolver, at the same commit ts; the testkit's {@code
 * BankChecker} judges every snapshot read.
 *
 * <p>About two minutes on a loaded machine, so outside the default suite: {@code mvn -B -ntp -o -q -pl
 * compat-tests -am verify -Dtest=AsyncCommitBankClusterSoak -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtinykv.txn.asyncCommitCluster=true}.
 */
@EnabledIfSystemProperty(named = "tinykv.txn.asyncCommitCluster", matches = "true")
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class AsyncCommitBankClusterSoak {

    private static final long SEED = 20_261_207L;

    @TempDir
    Path dir;

    @Test
    void asyncCommitNextToTikvTwoPcSurvivesTheLeadersStoreKilled() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, STORES, ClientKeyMode.TXN)) {
            cluster.awaitServing(STARTUP);
            ClientConfig config = ClientConfig.of(List.of(cluster.pdAddress()));
            try (TiSession session = Sessions.openTransactional(cluster.pdAddress());
                    TikvClientTxnExecutor theirs = new TikvClientTxnExecutor(session, cluster.pdAddress(),
                            KEY_PREFIX, LOCK_TTL_MILLIS, STEP_BACKOFF_MILLIS);
                    TxnKvClient client = TxnKvClient.create(config, ChannelFactory.plaintext(), Clock.system(),
                            LOCK_TTL_MILLIS, false, true)) {
                TxnKvClientExecutor ours = new TxnKvClientExecutor(client, KEY_PREFIX);
                BankWorkload bank = new BankWorkload(BankWorkload.Config.defaults());
                bank.initialize(theirs);
                AtomicLong asyncBeforeKill = new AtomicLong();
                BankUnderLeaderKill.Outcome outcome = BankUnderLeaderKill.run(cluster, new TakingTurns(ours, theirs),
                        bank, SEED, () -> asyncBeforeKill.set(ours.asyncCommits()));
                String detail = ", " + ours.asyncCommits() + " committed with async commit (" + asyncBeforeKill.get()
                        + " before the kill)";
                BankUnderLeaderKill.assertSound(cluster, outcome, detail);
                assertThat(asyncBeforeKill.get()).as("async commit used before the kill%s", detail).isPositive();
                assertThat(ours.asyncCommits()).as("async commit used after the new leader synced%s", detail)
                        .isGreaterThan(asyncBeforeKill.get());
            }
        }
    }
}
