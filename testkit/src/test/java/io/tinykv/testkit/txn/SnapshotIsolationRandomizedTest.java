package io.tinykv.testkit.txn;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.testkit.check.AnomalyType;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.elle.ListAppendWorkload;
import java.util.EnumSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The checkers against the reference store: the correct one passes for many seeds, with
 * deterministic interleavings and with real threads; each deliberately broken one is caught.
 * Interleaved runs are reproducible from their seed, so the "caught" assertions are not flaky.
 */
class SnapshotIsolationRandomizedTest {

    private static final int SEEDS = 20;
    private static final int TRANSACTIONS = 400;
    private static final ListAppendWorkload.Config WITH_ABORTS =
            ListAppendWorkload.Config.defaults().withAbortProbability(0.1);

    @Test
    void correctStorePassesListAppendForManySeeds() {
        for (long seed = 1; seed <= SEEDS; seed++) {
            CheckResult result = RandomizedRuns.listAppendInterleaved(
                    InMemorySnapshotStore.correct(), WITH_ABORTS, TRANSACTIONS, seed, true);
            assertThat(result.valid()).as("seed %d: %s", seed, result.report()).isTrue();
        }
    }

    @Test
    void correctStoreShowsWriteSkewWhichSnapshotIsolationAllows() {
        // Proves the randomized runs are concurrent enough to matter: SI's one permitted anomaly shows.
        CheckResult result = RandomizedRuns.listAppendInterleaved(
                InMemorySnapshotStore.correct(), WITH_ABORTS, TRANSACTIONS, 1, false);
        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(result.allowed()).isNotEmpty();
    }

    @Test
    void correctStoreWithLostCommitResponsesPasses() {
        for (long seed = 1; seed <= SEEDS; seed++) {
            TxnExecutor lossy =
                    new LossyCommitExecutor(InMemorySnapshotStore.correct(), new SplittableRandom(seed), 0.2);
            CheckResult result = RandomizedRuns.listAppendInterleaved(lossy, WITH_ABORTS, TRANSACTIONS, seed, true);
            assertThat(result.valid()).as("seed %d: %s", seed, result.report()).isTrue();
        }
    }

    @Test
    void correctStorePassesBankForManySeeds() throws Exception {
        for (long seed = 1; seed <= SEEDS; seed++) {
            CheckResult result = RandomizedRuns.bankInterleaved(InMemorySnapshotStore.correct(), TRANSACTIONS, seed);
            assertThat(result.valid()).as("seed %d: %s", seed, result.report()).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void correctStorePassesWithConcurrentThreads(long seed) throws Exception {
        CheckResult listAppend =
                RandomizedRuns.listAppendConcurrent(InMemorySnapshotStore.correct(), WITH_ABORTS, 4, 150, seed);
        CheckResult bank = RandomizedRuns.bankConcurrent(InMemorySnapshotStore.correct(), 4, 150, seed);

        assertThat(listAppend.valid()).as(listAppend.report()).isTrue();
        assertThat(bank.valid()).as(bank.report()).isTrue();
    }

    @Test
    void missingWriteConflictCheckIsCaughtAsLostWrites() throws Exception {
        Set<AnomalyType> seen = EnumSet.noneOf(AnomalyType.class);
        for (long seed = 1; seed <= 5; seed++) {
            CheckResult result = RandomizedRuns.listAppendInterleaved(
                    new InMemorySnapshotStore(StoreFlaw.NO_WRITE_CONFLICT_CHECK),
                    WITH_ABORTS,
                    TRANSACTIONS,
                    seed,
                    false);
            // Overwriting a concurrent append either shows in two reads that no order explains, or as
            // two committed appenders of the same version.
            assertThat(result.types())
                    .as("seed %d: %s", seed, result.report())
                    .containsAnyOf(AnomalyType.LOST_UPDATE, AnomalyType.INCOMPATIBLE_ORDER);
            seen.addAll(result.types());
            assertBankBroken(StoreFlaw.NO_WRITE_CONFLICT_CHECK, seed);
        }
        assertThat(seen).contains(AnomalyType.LOST_UPDATE);
    }

    @Test
    void readUncommittedIsCaughtAsAbortedAndIntermediateReads() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            CheckResult result = RandomizedRuns.listAppendInterleaved(
                    new InMemorySnapshotStore(StoreFlaw.READ_UNCOMMITTED), WITH_ABORTS, TRANSACTIONS, seed, false);
            assertThat(result.types())
                    .as("seed %d: %s", seed, result.report())
                    .contains(AnomalyType.G1A, AnomalyType.G1B);
            assertBankBroken(StoreFlaw.READ_UNCOMMITTED, seed);
        }
    }

    @Test
    void readsOutsideOneSnapshotAreCaughtAsGSingle() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            CheckResult result = RandomizedRuns.listAppendInterleaved(
                    new InMemorySnapshotStore(StoreFlaw.NON_SNAPSHOT_READS), WITH_ABORTS, TRANSACTIONS, seed, false);
            assertThat(result.types()).as("seed %d: %s", seed, result.report()).contains(AnomalyType.G_SINGLE);
            assertBankBroken(StoreFlaw.NON_SNAPSHOT_READS, seed);
        }
    }

    private static void assertBankBroken(StoreFlaw flaw, long seed) throws TxnFailedException {
        CheckResult bank = RandomizedRuns.bankInterleaved(new InMemorySnapshotStore(flaw), TRANSACTIONS, seed);
        assertThat(bank.types())
                .as("%s bank seed %d: %s", flaw, seed, bank.report())
                .contains(AnomalyType.WRONG_TOTAL);
    }
}
