package io.tinykv.compat;

import static io.tinykv.compat.BankUnderLeaderKill.KEY_PREFIX;
import static io.tinykv.compat.BankUnderLeaderKill.LOCK_TTL_MILLIS;
import static io.tinykv.compat.BankUnderLeaderKill.STARTUP;
import static io.tinykv.compat.BankUnderLeaderKill.STEP_BACKOFF_MILLIS;
import static io.tinykv.compat.BankUnderLeaderKill.STORES;
import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.client.ClientConfig;
import io.tinykv.client.TxnKvClient;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.testkit.bank.BankWorkload;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.TiSession;

/**
 * The bank workload with our client committing in one phase (1PC: the store picks the commit ts above
 * the reads it served) and the official TiKV Java client's plain two-phase commit taking turns on the
 * same accounts, on three {@code tinykv server} processes, while the store leading the region is
 * SIGKILLed mid-run and restarted ({@link BankUnderLeaderKill}). The new leader must sync its max ts
 * from TSO before it commits in one phase again, or a snapshot read served by the old leader could
 * miss a commit placed below it.
 *
 * <p>About two minutes on a loaded machine (three processes, a kill, a restart), so outside the default
 * suite: {@code mvn -B -ntp -o -q -pl compat-tests -am verify -Dtest=OnePcBankClusterSoak
 * -Dsurefire.failIfNoSpecifiedTests=false -Dtinykv.txn.onePcCluster=true}.
 */
@EnabledIfSystemProperty(named = "tinykv.txn.onePcCluster", matches = "true")
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class OnePcBankClusterSoak {

    private static final long SEED = 20_261_206L;

    @TempDir
    Path dir;

    @Test
    void onePcNextToTikvTwoPcSurvivesTheLeadersStoreKilled() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, STORES, ClientKeyMode.TXN)) {
            cluster.awaitServing(STARTUP);
            ClientConfig config = ClientConfig.of(List.of(cluster.pdAddress()));
            try (TiSession session = Sessions.openTransactional(cluster.pdAddress());
                    TikvClientTxnExecutor theirs = new TikvClientTxnExecutor(session, cluster.pdAddress(),
                            KEY_PREFIX, LOCK_TTL_MILLIS, STEP_BACKOFF_MILLIS);
                    TxnKvClient client = TxnKvClient.create(config)) {
                TxnKvClientExecutor ours = new TxnKvClientExecutor(client, KEY_PREFIX);
                BankWorkload bank = new BankWorkload(BankWorkload.Config.defaults());
                bank.initialize(theirs);
                AtomicLong onePcBeforeKill = new AtomicLong();
                BankUnderLeaderKill.Outcome outcome = BankUnderLeaderKill.run(cluster, new TakingTurns(ours, theirs),
                        bank, SEED, () -> onePcBeforeKill.set(ours.onePcCommits()));
                String detail = ", " + ours.onePcCommits() + " committed in one phase (" + onePcBeforeKill.get()
                        + " before the kill)";
                BankUnderLeaderKill.assertSound(cluster, outcome, detail);
                assertThat(ours.onePcCommits()).as("1PC used after the new leader synced%s", detail)
                        .isGreaterThan(onePcBeforeKill.get());
            }
        }
    }
}
