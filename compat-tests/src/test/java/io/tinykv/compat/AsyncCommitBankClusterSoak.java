package io.tinykv.compat;

import static io.tinykv.compat.BankUnderLeaderKill.LOCK_TTL_MILLIS;
import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.client.Clock;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.security.ChannelFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

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
class AsyncCommitBankClusterSoak {

    private static final long SEED = 20_261_207L;

    @TempDir
    Path dir;

    @Test
    void asyncCommitNextToTikvTwoPcSurvivesTheLeadersStoreKilled() throws Exception {
        BankUnderLeaderKill.PathCommits commits = BankUnderLeaderKill.runOursNextToTikvTwoPc(
                dir,
                SEED,
                config -> TxnKvClient.create(
                        config, ChannelFactory.plaintext(), Clock.system(), LOCK_TTL_MILLIS, false, true),
                TxnKvClientExecutor::asyncCommits,
                "with async commit");
        assertThat(commits.beforeKill())
                .as("async commit used before the kill%s", commits.detail())
                .isPositive();
        assertThat(commits.total())
                .as("async commit used after the new leader synced%s", commits.detail())
                .isGreaterThan(commits.beforeKill());
    }
}
