package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.client.txn.TxnKvClient;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

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
class OnePcBankClusterSoak {

    private static final long SEED = 20_261_206L;

    @TempDir
    Path dir;

    @Test
    void onePcNextToTikvTwoPcSurvivesTheLeadersStoreKilled() throws Exception {
        BankUnderLeaderKill.PathCommits commits = BankUnderLeaderKill.runOursNextToTikvTwoPc(
                dir, SEED, TxnKvClient::create, TxnKvClientExecutor::onePcCommits, "in one phase");
        assertThat(commits.total())
                .as("1PC used after the new leader synced%s", commits.detail())
                .isGreaterThan(commits.beforeKill());
    }
}
