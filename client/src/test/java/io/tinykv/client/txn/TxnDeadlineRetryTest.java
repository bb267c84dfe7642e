package io.tinykv.client.txn;

import static io.tinykv.client.txn.TxnTestCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.CommitUnknownException;
import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.TxnAbortedException;
import io.tinykv.client.TxnFaults;
import io.tinykv.proto.Kvrpcpb;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prewrites, commits and reads whose store answers after the client's gRPC deadline (a store held
 * back, {@link TxnFaults#holdBeforeExecuting}): the client sends them again to the region's current
 * leader instead of giving the transaction up, and a commit it cannot get an answer for is reported as
 * undetermined, never as aborted; a 1PC prewrite that committed late is reported committed. Three regions ["", "g"), ["g", "p"), ["p", "") led by stores 1, 2, 3;
 * backoff runs on virtual time, the deadline on real time.
 */
class TxnDeadlineRetryTest {
    /** Virtual milliseconds of backoff one operation may spend. */
    private static final long BUDGET_MS = 2_000;
    /**
     * The real deadline of each store call: short, since every held request waits it out, yet long
     * enough that on a loaded machine no other call misses it (a spurious miss only adds a retry, which
     * the assertions below allow).
     */
    private static final long KV_TIMEOUT_MS = 1_000;

    private static final long PD_TIMEOUT_MS = 3_000;
    /** Backoff (virtual) before a commit is given up as undetermined: three attempts, 100 and 200 ms apart. */
    private static final long UNKNOWN_BUDGET_MS = 300;

    @TempDir
    Path dataDir;

    private TxnTestCluster cluster;
    private FakeClock clock;
    private TxnKvClient client;
    /** Reads the outcome, with the default (long) deadlines. */
    private TxnKvClient reader;

    @BeforeEach
    void setUp() {
        cluster = new TxnTestCluster(FakeCluster.threeTxnRegions(), dataDir);
        clock = new FakeClock();
        client = clientWithBudget(BUDGET_MS);
        reader = cluster.client(clock, BUDGET_MS);
    }

    private TxnKvClient clientWithBudget(long budgetMs) {
        ClientConfig config = cluster.env().config(budgetMs).withTimeoutsMs(PD_TIMEOUT_MS, KV_TIMEOUT_MS);
        return TxnKvClient.create(
                config, cluster.env().channelFactory(), clock, TxnKvClient.DEFAULT_LOCK_TTL_MS, false);
    }

    @AfterEach
    void tearDown() {
        reader.close();
        client.close();
        cluster.close();
    }

    private Optional<String> read(String key) {
        try (Transaction txn = reader.begin()) {
            return txn.get(utf8(key)).map(ByteString::toStringUtf8);
        }
    }

    private long committedAt(String primary, long startTs) {
        return cluster.committedAt(primary, startTs);
    }

    /** Keys "a" (region 1, the primary) and "h" (region 2). */
    private Transaction twoRegionTxn() {
        Transaction txn = client.begin();
        txn.put(utf8("a"), utf8("1"));
        txn.put(utf8("h"), utf8("2"));
        return txn;
    }

    /** Commits "a".."z", each with the value "v-" + its letter (in regions 1, 2 and 3). */
    private void commitLetters() {
        try (Transaction txn = reader.begin()) {
            for (char c = 'a'; c <= 'z'; c++) {
                txn.put(utf8(String.valueOf(c)), utf8("v-" + c));
            }
            txn.commit();
        }
    }

    /** Runs {@code action} once, after the first backoff that follows a held {@code method} request. */
    private void onceHeld(String method, Runnable action) {
        clock.onceAfterSleepWhen(() -> cluster.faults().held(method) > 0, action);
    }

    @Test
    void aGetAnsweredAfterTheDeadlineIsSentAgainToTheRegionsNewLeader() {
        commitLetters();
        cluster.cluster().clearReceived();
        cluster.faults().holdBeforeExecuting("KvGet", utf8("a"), 1);
        onceHeld("KvGet", () -> cluster.cluster().transferLeader(1, 2));

        try (Transaction txn = client.begin()) {
            assertThat(txn.get(utf8("a")).map(ByteString::toStringUtf8)).contains("v-a");
        }

        assertThat(cluster.faults().heldOnStores("KvGet")).containsExactly(1L);
        assertThat(cluster.cluster().received().stream()
                        .filter(r -> r.method().equals("KvGet"))
                        .map(FakeCluster.Received::storeId))
                .containsExactly(2L);
    }

    @Test
    void aBatchGetRetriedAfterTheDeadlineAndASplitReadsEveryKeyOnce() {
        commitLetters();
        cluster.cluster().clearReceived();
        cluster.faults().holdBeforeExecuting("KvBatchGet", utf8("h"), 1);
        // While the client backs off, the region of h splits at i: h and i go out again in two groups.
        onceHeld("KvBatchGet", () -> cluster.cluster().split(utf8("i")));

        java.util.Map<ByteString, ByteString> found;
        try (Transaction txn = client.begin()) {
            found = txn.batchGet(List.of(utf8("a"), utf8("b"), utf8("h"), utf8("i"), utf8("q")));
        }

        assertThat(found.entrySet())
                .extracting(e -> e.getKey().toStringUtf8() + "=" + e.getValue().toStringUtf8())
                .containsExactly("a=v-a", "b=v-b", "h=v-h", "i=v-i", "q=v-q");
        assertThat(cluster.faults().held("KvBatchGet")).isEqualTo(1);
        // The held request never executed; every key reached a store once more, h and i separately.
        List<FakeCluster.Received> served = cluster.cluster().received().stream()
                .filter(r -> r.method().equals("KvBatchGet"))
                .toList();
        assertThat(served.stream().flatMap(r -> r.keys().stream()).map(ByteString::toStringUtf8))
                .containsExactlyInAnyOrder("a", "b", "h", "i", "q");
        assertThat(served)
                .filteredOn(r -> r.keys().contains(utf8("h")))
                .singleElement()
                .satisfies(r -> assertThat(r.keys()).containsExactly(utf8("h")));
    }

    @Test
    void aScanPageAnsweredAfterTheDeadlineIsReadAgainWithoutLosingOrRepeatingAKey() {
        commitLetters();
        // The scan's page of region ["g", "p") starts at g.
        cluster.faults().holdBeforeExecuting("KvScan", utf8("g"), 1);

        List<String> keys;
        try (Transaction txn = client.begin()) {
            keys = txn.scan(ByteString.EMPTY, ByteString.EMPTY, 100).stream()
                    .map(kv -> kv.key().toStringUtf8())
                    .toList();
        }

        assertThat(cluster.faults().held("KvScan")).isEqualTo(1);
        assertThat(keys)
                .isEqualTo("abcdefghijklmnopqrstuvwxyz"
                        .chars()
                        .mapToObj(c -> String.valueOf((char) c))
                        .toList());
    }

    @Test
    void aOnePcPrewriteThatTimedOutButLandedBeforeItsRollbackIsReportedCommitted(@TempDir Path onePcDir) {
        try (TxnTestCluster onePc = new TxnTestCluster(FakeCluster.threeTxnRegions(), onePcDir, true);
                TxnKvClient impatient = TxnKvClient.create(
                        onePc.env().config(UNKNOWN_BUDGET_MS).withTimeoutsMs(PD_TIMEOUT_MS, KV_TIMEOUT_MS),
                        onePc.env().channelFactory(),
                        clock,
                        TxnKvClient.DEFAULT_LOCK_TTL_MS,
                        true)) {
            // Every 1PC prewrite waits past the deadline, so the client gives the prewrite up and rolls back.
            // The first rollback waits too; meanwhile the slow store catches up: the held prewrites run (the
            // first one commits) and then the held rollback, which finds the transaction committed.
            onePc.faults().holdBeforeExecuting("KvPrewrite", utf8("a"), Integer.MAX_VALUE);
            onePc.faults().holdBeforeExecuting("KvBatchRollback", utf8("a"), 1);
            clock.onceAfterSleepWhen(() -> onePc.faults().held("KvBatchRollback") > 0, onePc.faults()::releaseHeld);

            Transaction txn = impatient.begin();
            txn.put(utf8("a"), utf8("1"));
            txn.put(utf8("b"), utf8("2"));
            long commitTs = txn.commit();

            assertThat(onePc.faults().held("KvPrewrite"))
                    .as("every prewrite timed out")
                    .isGreaterThan(1);
            assertThat(onePc.faults().lateAnswers())
                    .as("the held requests ran")
                    .last()
                    .isInstanceOfSatisfying(
                            Kvrpcpb.BatchRollbackResponse.class,
                            r -> assertThat(r.getError().getAbort()).contains("already committed"));
            assertThat(txn.status()).isEqualTo(Transaction.Status.COMMITTED);
            assertThat(txn.committedInOnePhase()).isTrue();
            assertThat(commitTs).isEqualTo(onePc.committedAt("a", txn.startTs()));
        }
    }

    @Test
    void aPrewriteAnsweredAfterTheDeadlineIsSentAgainAndTheTransactionCommitsOnce() {
        cluster.faults().holdBeforeExecuting("KvPrewrite", utf8("a"), 1);

        long startTs;
        long commitTs;
        try (Transaction txn = twoRegionTxn()) {
            startTs = txn.startTs();
            commitTs = txn.commit();
        }

        // The fault happened: the first prewrite of region 1 got no answer in time; its retry and region
        // 2's prewrite executed, the held one has not yet.
        assertThat(cluster.faults().held("KvPrewrite")).isEqualTo(1);
        assertThat(cluster.faults().executed("KvPrewrite")).isGreaterThanOrEqualTo(2);
        assertThat(committedAt("a", startTs)).isEqualTo(commitTs);

        // The held copy lands late, after the commit: it finds the transaction committed and writes nothing.
        List<Object> late = cluster.faults().releaseHeld();
        assertThat(late)
                .singleElement()
                .isInstanceOfSatisfying(
                        Kvrpcpb.PrewriteResponse.class,
                        response -> assertThat(response.getErrorsList())
                                .singleElement()
                                .satisfies(error -> assertThat(error.getAbort()).contains("already committed")));
        assertThat(committedAt("a", startTs)).isEqualTo(commitTs);
        assertThat(read("a")).contains("1");
        assertThat(read("h")).contains("2");
    }

    @Test
    void aTimedOutPrewriteGoesToTheRegionsNewLeader() {
        cluster.faults().holdBeforeExecuting("KvPrewrite", utf8("a"), 1);
        // While the client backs off after the deadline, region 1's leadership moves to store 2.
        clock.afterEverySleep(() -> cluster.cluster().transferLeader(1, 2));

        try (Transaction txn = twoRegionTxn()) {
            txn.commit();
        }

        assertThat(cluster.faults().heldOnStores("KvPrewrite")).containsExactly(1L);
        // The retry asked PD for the route again and went straight to the new leader: no not_leader detour.
        List<Long> prewritesOfA = cluster.cluster().received().stream()
                .filter(r -> r.method().equals("KvPrewrite") && r.keys().contains(utf8("a")))
                .map(FakeCluster.Received::storeId)
                .toList();
        assertThat(prewritesOfA).isNotEmpty().containsOnly(2L);
        assertThat(read("a")).contains("1");
    }

    @Test
    void aPrewriteWhoseLockResolutionTimesOutResolvesAgainAndCommits() {
        Transaction abandoned = client.begin();
        abandoned.put(utf8("k"), utf8("abandoned"));
        abandoned.committer().prewrite(); // ... and its client dies
        cluster.env().advanceTso(TxnKvClient.DEFAULT_LOCK_TTL_MS + 1);
        cluster.faults().holdBeforeExecuting("KvCheckTxnStatus", utf8("k"), 1);

        try (Transaction txn = client.begin()) {
            txn.put(utf8("k"), utf8("mine"));
            txn.commit();
        }

        assertThat(cluster.faults().held("KvCheckTxnStatus")).isEqualTo(1);
        assertThat(read("k")).contains("mine");
    }

    @Test
    void aCommitAnsweredAfterTheDeadlineIsRetriedAndReportedCommitted() {
        cluster.faults().holdBeforeExecuting("KvCommit", utf8("a"), 1);

        long startTs;
        long commitTs;
        try (Transaction txn = twoRegionTxn()) {
            startTs = txn.startTs();
            commitTs = txn.commit();
            assertThat(txn.status()).isEqualTo(Transaction.Status.COMMITTED);
        }

        assertThat(cluster.faults().held("KvCommit")).isEqualTo(1);
        // Committing again is idempotent: the late copy succeeds and changes nothing.
        assertThat(cluster.faults().releaseHeld())
                .singleElement()
                .isInstanceOfSatisfying(
                        Kvrpcpb.CommitResponse.class,
                        response -> assertThat(response.hasError()).isFalse());
        assertThat(committedAt("a", startTs)).isEqualTo(commitTs);
        assertThat(read("a")).contains("1");
    }

    @Test
    void aCommitNeverAnsweredInTimeIsUndeterminedAndMayHaveCommitted() {
        client.close();
        client = clientWithBudget(UNKNOWN_BUDGET_MS);
        cluster.faults().holdBeforeExecuting("KvCommit", utf8("a"), Integer.MAX_VALUE);

        Transaction txn = twoRegionTxn();
        long startTs = txn.startTs();
        CommitUnknownException unknown = catchThrowableOfType(CommitUnknownException.class, txn::commit);
        assertThat(unknown)
                .isNotNull()
                .isNotInstanceOf(TxnAbortedException.class)
                .hasMessageContaining("may or may not have committed")
                .hasMessageContaining("no answer within " + KV_TIMEOUT_MS + " ms");
        assertThat(txn.status()).isEqualTo(Transaction.Status.UNKNOWN);
        int held = cluster.faults().held("KvCommit");
        assertThat(held).as("every attempt timed out").isGreaterThan(1);
        assertThat(committedAt("a", startTs))
                .as("nothing committed while every commit was held")
                .isZero();

        // The store was only slow: the held commits run now, and the transaction is committed after all.
        // Reporting it as aborted would have been a lie.
        cluster.faults().clear();
        assertThat(cluster.faults().releaseHeld()).hasSize(held);
        assertThat(committedAt("a", startTs)).isEqualTo(unknown.commitTs());
        assertThat(read("a")).contains("1");
        assertThat(read("h")).contains("2");
    }
}
