package io.tinykv.client.txn;

import static io.tinykv.client.txn.TxnTestCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.tinykv.client.CommitUnknownException;
import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.KeyLockedException;
import io.tinykv.client.KeyValue;
import io.tinykv.client.TxnAbortedException;
import io.tinykv.client.WriteConflictException;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transactional client against real transaction commands over real storage, behind a fake PD
 * and fake stores with three regions ["", "g"), ["g", "p"), ["p", ""), led by stores 1, 2 and 3.
 * Backoff runs on virtual time.
 */
class TxnKvClientTest {
    private static final long BUDGET_MS = 2_000;

    @TempDir
    Path dataDir;

    private TxnTestCluster cluster;
    private FakeClock clock;
    private TxnKvClient client;

    @BeforeEach
    void setUp() {
        cluster = new TxnTestCluster(FakeCluster.threeTxnRegions(), dataDir);
        clock = new FakeClock();
        client = cluster.client(clock, BUDGET_MS);
    }

    @AfterEach
    void tearDown() {
        client.close();
        cluster.close();
    }

    private long commitPuts(String... keysAndValues) {
        try (Transaction txn = client.begin()) {
            for (int i = 0; i < keysAndValues.length; i += 2) {
                txn.put(utf8(keysAndValues[i]), utf8(keysAndValues[i + 1]));
            }
            return txn.commit();
        }
    }

    private Optional<String> read(String key) {
        try (Transaction txn = client.begin()) {
            return txn.get(utf8(key)).map(ByteString::toStringUtf8);
        }
    }

    private static List<String> keysAndValues(List<KeyValue> pairs) {
        return pairs.stream()
                .map(p -> p.key().toStringUtf8() + "=" + p.value().toStringUtf8())
                .toList();
    }

    private List<String> scanAll() {
        try (Transaction txn = client.begin()) {
            return keysAndValues(txn.scan(ByteString.EMPTY, ByteString.EMPTY, 1_000));
        }
    }

    /** How many requests of {@code method} went to each store (1, 2, 3). */
    private List<Long> storesReached(String method) {
        return cluster.cluster().received().stream()
                .filter(r -> r.method().equals(method))
                .map(FakeCluster.Received::storeId)
                .distinct()
                .sorted()
                .toList();
    }

    @Test
    void commitsAcrossRegionsAndReadsBack() {
        Transaction txn = client.begin();
        txn.put(utf8("a"), utf8("1"));
        txn.put(utf8("h"), utf8("2"));
        txn.put(utf8("q"), utf8("3"));
        long commitTs = txn.commit();

        assertThat(commitTs).isGreaterThan(txn.startTs());
        assertThat(txn.status()).isEqualTo(Transaction.Status.COMMITTED);
        assertThat(txn.commitTs()).isEqualTo(commitTs);
        assertThat(storesReached("KvPrewrite")).containsExactly(1L, 2L, 3L);
        assertThat(storesReached("KvCommit")).containsExactly(1L, 2L, 3L);
        assertThat(read("a")).contains("1");
        assertThat(read("h")).contains("2");
        assertThat(read("q")).contains("3");
        assertThat(read("b")).isEmpty();
        assertThat(scanAll()).containsExactly("a=1", "h=2", "q=3");
        try (Transaction reader = client.begin()) {
            assertThat(reader.batchGet(List.of(utf8("q"), utf8("x"), utf8("a"))))
                    .containsExactly(Map.entry(utf8("q"), utf8("3")), Map.entry(utf8("a"), utf8("1")));
        }
    }

    @Test
    void prewriteAndCommitSendOneRequestPerRegion() {
        cluster.cluster().clearReceived();
        Transaction txn = client.begin();
        for (String key : List.of("a", "b", "c", "h", "i", "j", "q", "r")) {
            txn.put(utf8(key), utf8("v" + key));
        }
        txn.commit();

        // Prewrite: one request per region with all its keys. Commit: the primary alone (the commit
        // point), then one request per region with its secondaries.
        List<List<String>> prewrites = requestKeys("KvPrewrite");
        assertThat(prewrites)
                .containsExactlyInAnyOrder(List.of("a", "b", "c"), List.of("h", "i", "j"), List.of("q", "r"));
        List<List<String>> commits = requestKeys("KvCommit");
        assertThat(commits.getFirst()).containsExactly("a");
        assertThat(commits.subList(1, commits.size()))
                .containsExactlyInAnyOrder(List.of("b", "c"), List.of("h", "i", "j"), List.of("q", "r"));
    }

    /** The keys of each {@code method} request the stores received, in arrival order. */
    private List<List<String>> requestKeys(String method) {
        return cluster.cluster().received().stream()
                .filter(r -> r.method().equals(method))
                .map(r -> r.keys().stream().map(ByteString::toStringUtf8).toList())
                .toList();
    }

    @Test
    void deleteRemovesACommittedKey() {
        commitPuts("a", "1", "q", "2");
        try (Transaction txn = client.begin()) {
            txn.delete(utf8("a"));
            txn.commit();
        }
        assertThat(read("a")).isEmpty();
        assertThat(scanAll()).containsExactly("q=2");
    }

    @Test
    void aSnapshotDoesNotSeeLaterCommits() {
        commitPuts("a", "old", "q", "old");
        Transaction early = client.begin();
        commitPuts("a", "new", "h", "new", "q", "new");

        assertThat(early.get(utf8("a"))).contains(utf8("old"));
        assertThat(early.get(utf8("h"))).isEmpty();
        assertThat(keysAndValues(early.scan(ByteString.EMPTY, ByteString.EMPTY, 10)))
                .containsExactly("a=old", "q=old");
        assertThat(early.batchGet(List.of(utf8("h"), utf8("q")))).containsExactly(Map.entry(utf8("q"), utf8("old")));
        assertThat(scanAll()).containsExactly("a=new", "h=new", "q=new");
    }

    @Test
    void ownWritesAreVisibleToTheTransactionOnlyUntilItCommits() {
        commitPuts("a", "1", "c", "2", "h", "3", "q", "4");
        Transaction txn = client.begin();
        txn.put(utf8("b"), utf8("mine"));
        txn.put(utf8("h"), utf8("changed"));
        txn.delete(utf8("c"));
        txn.delete(utf8("q"));
        txn.put(utf8("z"), utf8("last"));

        assertThat(txn.get(utf8("b"))).contains(utf8("mine"));
        assertThat(txn.get(utf8("c"))).isEmpty();
        assertThat(keysAndValues(txn.scan(ByteString.EMPTY, ByteString.EMPTY, 100)))
                .containsExactly("a=1", "b=mine", "h=changed", "z=last");
        assertThat(keysAndValues(txn.scan(utf8("b"), utf8("z"), 2))).containsExactly("b=mine", "h=changed");
        assertThat(txn.batchGet(List.of(utf8("q"), utf8("h"), utf8("a"))))
                .containsExactly(Map.entry(utf8("h"), utf8("changed")), Map.entry(utf8("a"), utf8("1")));
        assertThat(scanAll()).as("others do not see uncommitted writes").containsExactly("a=1", "c=2", "h=3", "q=4");

        txn.commit();
        assertThat(scanAll()).containsExactly("a=1", "b=mine", "h=changed", "z=last");
    }

    @Test
    void scansPageAcrossRegionsWithinTheLimit() {
        client.close();
        client = TxnKvClient.create(
                cluster.env().config(BUDGET_MS).withScanPageSizeKeys(2),
                cluster.env().channelFactory(),
                clock,
                TxnKvClient.DEFAULT_LOCK_TTL_MS);
        commitPuts("a", "1", "b", "2", "c", "3", "g", "4", "h", "5", "p", "6", "x", "7");
        try (Transaction txn = client.begin()) {
            assertThat(keysAndValues(txn.scan(utf8("b"), utf8("x"), 100)))
                    .containsExactly("b=2", "c=3", "g=4", "h=5", "p=6");
            assertThat(keysAndValues(txn.scan(utf8("b"), ByteString.EMPTY, 4)))
                    .containsExactly("b=2", "c=3", "g=4", "h=5");
            txn.delete(utf8("c"));
            txn.delete(utf8("g"));
            assertThat(keysAndValues(txn.scan(utf8("b"), ByteString.EMPTY, 3))).containsExactly("b=2", "h=5", "p=6");
        }
    }

    @Test
    void firstCommitterWinsAWriteConflict() {
        commitPuts("k", "0");
        Transaction first = client.begin();
        Transaction second = client.begin();
        first.put(utf8("k"), utf8("first"));
        second.put(utf8("a"), utf8("second"));
        second.put(utf8("k"), utf8("second"));
        second.put(utf8("q"), utf8("second"));
        long firstCommitTs = first.commit();

        assertThatThrownBy(second::commit).isInstanceOfSatisfying(WriteConflictException.class, e -> {
            assertThat(e.key()).isEqualTo(utf8("k"));
            assertThat(e.conflictCommitTs()).isEqualTo(firstCommitTs);
            assertThat(e.startTs()).isEqualTo(second.startTs());
        });
        assertThat(second.status()).isEqualTo(Transaction.Status.ROLLED_BACK);
        assertThat(scanAll()).containsExactly("k=first");
        // The loser's prewritten keys were rolled back: a writer after it meets no lock.
        int sleepsBefore = clock.sleeps();
        commitPuts("a", "later", "q", "later");
        assertThat(clock.sleeps()).isEqualTo(sleepsBefore);
        assertThat(cluster.faults().executed("KvCheckTxnStatus")).isZero();
    }

    @Test
    void aReaderRollsBackTheExpiredLocksOfAnAbandonedTransaction() {
        commitPuts("a", "old", "q", "old");
        Transaction abandoned = client.begin();
        abandoned.put(utf8("a"), utf8("new"));
        abandoned.put(utf8("q"), utf8("new"));
        TwoPhaseCommitter committer = abandoned.committer();
        committer.prewrite(); // ... and the client dies

        cluster.env().advanceTso(TxnKvClient.DEFAULT_LOCK_TTL_MS + 1);
        // The reader meets the secondary lock on "q" first; the primary "a" decides.
        assertThat(read("q")).contains("old");
        assertThat(read("a")).contains("old");
        assertThat(scanAll()).containsExactly("a=old", "q=old");

        // The abandoned client waking up can no longer commit, and hears so definitely.
        long commitTs = client.begin().startTs();
        assertThatThrownBy(() -> committer.commitPrimary(commitTs))
                .isExactlyInstanceOf(TxnAbortedException.class)
                .hasMessageContaining("rolled back");
        assertThat(scanAll()).containsExactly("a=old", "q=old");
    }

    /** Prewrites one key straight at the store, as a client that sets no min commit ts would. */
    private void prewriteWithoutMinCommitTs(long regionId, String primary, long startTs, String key, String value) {
        Kvrpcpb.PrewriteResponse response = cluster.commands()
                .prewrite(Kvrpcpb.PrewriteRequest.newBuilder()
                        .setContext(Kvrpcpb.Context.newBuilder().setRegionId(regionId))
                        .setPrimaryLock(utf8(primary))
                        .setStartVersion(startTs)
                        .setLockTtl(TxnKvClient.DEFAULT_LOCK_TTL_MS)
                        .addMutations(Kvrpcpb.Mutation.newBuilder()
                                .setOp(Kvrpcpb.Op.Put)
                                .setKey(utf8(key))
                                .setValue(utf8(value)))
                        .build());
        assertThat(response.getErrorsList()).isEmpty();
    }

    @Test
    void aReaderWaitsForALiveLockItCannotPushAndGivesUpWhenTheBudgetRunsOut() {
        commitPuts("a", "old");
        long lockTs = client.begin().startTs();
        prewriteWithoutMinCommitTs(1, "a", lockTs, "a", "new");

        Transaction reader = client.begin();
        assertThatThrownBy(() -> reader.get(utf8("a"))).isInstanceOfSatisfying(KeyLockedException.class, e -> {
            assertThat(e.key()).isEqualTo(utf8("a"));
            assertThat(e.lockTs()).isEqualTo(lockTs);
        });
        assertThat(clock.sleeps()).as("the reader waited and tried again").isGreaterThan(1);
        assertThat(reader.status()).isEqualTo(Transaction.Status.ACTIVE);
        // A lock of a transaction that started after the reader does not block it.
        Transaction later = client.begin();
        later.put(utf8("h"), utf8("x"));
        later.committer().prewrite();
        assertThat(reader.get(utf8("h"))).isEmpty();
    }

    @Test
    void aReaderPushesALiveTransactionPastItsSnapshotInsteadOfWaiting() {
        // Both keys in one region: a store passes a secondary's lock on the reader's word only when
        // the primary, in the same snapshot, confirms the push (P0 issue 11).
        commitPuts("a", "old", "b", "old");
        Transaction writer = client.begin();
        writer.put(utf8("a"), utf8("new"));
        writer.put(utf8("b"), utf8("new"));
        TwoPhaseCommitter committer = writer.committer();
        committer.prewrite();
        long commitTsTakenEarly = client.begin().startTs();

        Transaction reader = client.begin();
        int sleepsBefore = clock.sleeps();
        assertThat(reader.get(utf8("b"))).contains(utf8("old"));
        assertThat(keysAndValues(reader.scan(ByteString.EMPTY, ByteString.EMPTY, 10)))
                .containsExactly("a=old", "b=old");
        assertThat(clock.sleeps()).as("no waiting").isEqualTo(sleepsBefore);

        // The writer's commit ts from before the push is refused; it commits above the reader instead.
        long commitTs = committer.commitPrimary(commitTsTakenEarly);
        committer.commitSecondaries(commitTs);
        assertThat(commitTs).isGreaterThan(reader.startTs()).isGreaterThan(commitTsTakenEarly);
        assertThat(reader.get(utf8("a"))).contains(utf8("old"));
        assertThat(scanAll()).containsExactly("a=new", "b=new");
    }

    @Test
    void theLocksOfALongTransactionLiveForTheTtlAfterItsPrewrite() {
        long longMs = 10 * TxnKvClient.DEFAULT_LOCK_TTL_MS;
        Transaction slow = client.begin();
        slow.put(utf8("a"), utf8("x"));
        clock.sleepMillis(longMs); // the transaction works for a long time before committing
        cluster.env().advanceTso(longMs);
        TwoPhaseCommitter committer = slow.committer();
        assertThat(committer.lockTtlMs()).isEqualTo(longMs + TxnKvClient.DEFAULT_LOCK_TTL_MS);
        committer.prewrite();

        // Counted from its start ts, a plain TTL would long be over, and the reader would roll it back.
        Transaction reader = client.begin();
        assertThat(reader.get(utf8("a"))).isEmpty();
        committer.commitPrimary(client.begin().startTs());
        assertThat(read("a")).contains("x");
    }

    /**
     * A commit that takes many times its lock TTL (here a pause between prewrite and the primary's
     * commit) survives because its heartbeats keep pushing the primary lock's TTL: a reader finds the
     * transaction alive and reads past it instead of rolling it back, and the commit goes through.
     * Without the heartbeats the same reader rolls it back ({@code
     * aReaderRollsBackTheExpiredLocksOfAnAbandonedTransaction}).
     */
    @Test
    void heartbeatsKeepATransactionLongerThanItsLockTtlAlive() {
        long shortTtlMs = 200;
        // Both keys in one region, so that the reader's push is confirmed at the primary.
        commitPuts("a", "old", "b", "old");
        try (TxnKvClient shortTtl = TxnKvClient.create(
                cluster.env().config(BUDGET_MS), cluster.env().channelFactory(), clock, shortTtlMs)) {
            Transaction slow = shortTtl.begin();
            slow.put(utf8("a"), utf8("new"));
            slow.put(utf8("b"), utf8("new"));
            TwoPhaseCommitter committer = slow.committer();
            try (LockHeartbeat heartbeat = committer.startHeartbeat()) {
                committer.prewrite();
                for (int i = 0; i < 10; i++) { // ten TTLs pass, a heartbeat in each
                    clock.sleepMillis(shortTtlMs);
                    cluster.env().advanceTso(shortTtlMs);
                    heartbeat.beat();
                }
                assertThat(heartbeat.lastTtlMs()).isGreaterThanOrEqualTo(11 * shortTtlMs);
                int rollbacksBefore = cluster.faults().executed("KvBatchRollback");
                assertThat(read("b"))
                        .as("the reader reads past the live transaction")
                        .contains("old");
                assertThat(cluster.faults().executed("KvBatchRollback")).isEqualTo(rollbacksBefore);
                long commitTs = committer.commitPrimary(client.begin().startTs());
                committer.commitSecondaries(commitTs);
            }
        }
        assertThat(read("a")).contains("new");
        assertThat(read("b")).contains("new");
    }

    @Test
    void aReaderCommitsTheSecondaryOfACommittedPrimary() {
        commitPuts("a", "old", "h", "old", "q", "old");
        Transaction txn = client.begin();
        txn.put(utf8("a"), utf8("new"));
        txn.put(utf8("h"), utf8("new"));
        txn.put(utf8("q"), utf8("new"));
        TwoPhaseCommitter committer = txn.committer();
        committer.prewrite();
        long commitTs = client.begin().startTs();
        committer.commitPrimary(commitTs); // committed here; the secondaries are never committed

        Transaction reader = client.begin();
        assertThat(reader.get(utf8("q"))).contains(utf8("new"));
        assertThat(reader.batchGet(List.of(utf8("h")))).containsEntry(utf8("h"), utf8("new"));
        assertThat(scanAll()).containsExactly("a=new", "h=new", "q=new");
        // One resolution per secondary met; the status of the primary was decided once and for all.
        assertThat(cluster.faults().executed("KvResolveLock")).isEqualTo(2);
    }

    @Test
    void aPrewriteResolvesTheExpiredLockInItsWay() {
        Transaction abandoned = client.begin();
        abandoned.put(utf8("k"), utf8("abandoned"));
        abandoned.committer().prewrite();
        cluster.env().advanceTso(TxnKvClient.DEFAULT_LOCK_TTL_MS + 1);

        commitPuts("k", "mine");
        assertThat(read("k")).contains("mine");
    }

    @Test
    void aLostCommitResponseIsRetriedAndTheCommitReported() {
        cluster.faults()
                .failAfterExecuting("KvCommit", utf8("a"), Status.UNAVAILABLE.withDescription("connection reset"), 1);
        cluster.faults().failAfterExecuting("KvCommit", utf8("a"), Status.DEADLINE_EXCEEDED, 1);
        Transaction txn = client.begin();
        txn.put(utf8("a"), utf8("1"));
        txn.put(utf8("q"), utf8("2"));

        long commitTs = txn.commit();

        assertThat(txn.status()).isEqualTo(Transaction.Status.COMMITTED);
        assertThat(commitTs).isGreaterThan(txn.startTs());
        // Executed three times on the primary (two answers lost), once on the secondary.
        assertThat(cluster.faults().executed("KvCommit")).isEqualTo(4);
        assertThat(scanAll()).containsExactly("a=1", "q=2");
    }

    @Test
    void aCommitThatNeverGetsAnAnswerIsUnknownNotFailed() {
        cluster.faults().failAfterExecuting("KvCommit", utf8("a"), Status.UNAVAILABLE, Integer.MAX_VALUE);
        Transaction txn = client.begin();
        txn.put(utf8("a"), utf8("1"));
        txn.put(utf8("q"), utf8("2"));

        assertThatThrownBy(txn::commit)
                .isExactlyInstanceOf(CommitUnknownException.class)
                .hasMessageContaining("may or may not have committed");
        assertThat(txn.status()).isEqualTo(Transaction.Status.UNKNOWN);
        assertThat(cluster.faults().executed("KvCommit")).isGreaterThan(1);
        // Here it did commit (the store executed every attempt): readers see it, the secondary included.
        cluster.faults().clear();
        assertThat(scanAll()).containsExactly("a=1", "q=2");
    }

    @Test
    void aCommitWhoseStoreIsUnreachableIsUnknownAndMayTurnOutRolledBack() {
        commitPuts("a", "old");
        Transaction txn = client.begin();
        txn.put(utf8("a"), utf8("new"));
        TwoPhaseCommitter committer = txn.committer();
        committer.prewrite();
        cluster.env().stop(cluster.env().storeAddress(1, 0)); // the primary's store goes away

        long commitTs = client.begin().startTs();
        assertThatThrownBy(() -> committer.commitPrimary(commitTs)).isExactlyInstanceOf(CommitUnknownException.class);

        // Here the commit never arrived: once the store is back and the lock expired, a reader rolls
        // the transaction back. Reporting "committed" would have been as wrong as "failed".
        cluster.env().startStore(1, cluster.env().storeAddress(1, 1));
        cluster.env().advanceTso(TxnKvClient.DEFAULT_LOCK_TTL_MS + 1);
        assertThat(read("a")).contains("old");
    }

    @Test
    void aSecondaryLockWhosePrimaryIsNotYetPrewrittenCountsAsAliveUntilItExpires() {
        commitPuts("q", "old");
        Transaction txn = client.begin();
        txn.put(utf8("a"), utf8("new")); // the primary, in region 1
        txn.put(utf8("q"), utf8("new"));
        // Only region 3 got its prewrite so far: a secondary lock pointing at a primary without a lock.
        Kvrpcpb.PrewriteResponse secondaryOnly = cluster.commands()
                .prewrite(Kvrpcpb.PrewriteRequest.newBuilder()
                        .setContext(Kvrpcpb.Context.newBuilder().setRegionId(3))
                        .setPrimaryLock(utf8("a"))
                        .setStartVersion(txn.startTs())
                        .setLockTtl(TxnKvClient.DEFAULT_LOCK_TTL_MS)
                        .addMutations(Kvrpcpb.Mutation.newBuilder()
                                .setOp(Kvrpcpb.Op.Put)
                                .setKey(utf8("q"))
                                .setValue(utf8("new")))
                        .build());
        assertThat(secondaryOnly.getErrorsList()).isEmpty();

        Transaction reader = client.begin();
        assertThatThrownBy(() -> reader.get(utf8("q")))
                .as("the transaction may still prewrite its primary")
                .isInstanceOf(KeyLockedException.class);
        long commitTs = txn.commit();
        assertThat(commitTs).isGreaterThan(txn.startTs());
        assertThat(read("q")).contains("new");

        // Once such a lock expired, the reader rolls its transaction back at the primary.
        Transaction late = client.begin();
        Kvrpcpb.PrewriteResponse orphan = cluster.commands()
                .prewrite(Kvrpcpb.PrewriteRequest.newBuilder()
                        .setContext(Kvrpcpb.Context.newBuilder().setRegionId(2))
                        .setPrimaryLock(utf8("b"))
                        .setStartVersion(late.startTs())
                        .setLockTtl(TxnKvClient.DEFAULT_LOCK_TTL_MS)
                        .addMutations(Kvrpcpb.Mutation.newBuilder()
                                .setOp(Kvrpcpb.Op.Put)
                                .setKey(utf8("h"))
                                .setValue(utf8("orphan")))
                        .build());
        assertThat(orphan.getErrorsList()).isEmpty();
        cluster.env().advanceTso(TxnKvClient.DEFAULT_LOCK_TTL_MS + 1);
        assertThat(read("h")).isEmpty();
        late.put(utf8("b"), utf8("x"));
        assertThatThrownBy(late::commit)
                .as("its primary carries the rollback record")
                .isInstanceOf(WriteConflictException.class);
    }

    @Test
    void aScanResolvesTheLocksItMeetsInEveryRegion() {
        commitPuts("a", "1", "h", "2", "q", "3");
        Transaction committed = client.begin();
        committed.put(utf8("a"), utf8("1b"));
        committed.put(utf8("h"), utf8("2b"));
        TwoPhaseCommitter first = committed.committer();
        first.prewrite();
        first.commitPrimary(client.begin().startTs());
        Transaction abandoned = client.begin();
        abandoned.put(utf8("i"), utf8("never"));
        abandoned.put(utf8("q"), utf8("never"));
        abandoned.committer().prewrite();
        cluster.env().advanceTso(TxnKvClient.DEFAULT_LOCK_TTL_MS + 1);

        assertThat(scanAll()).containsExactly("a=1b", "h=2b", "q=3");
    }

    @Test
    void aCommitTimingOutEveryTimeIsUnknown() {
        cluster.faults().failAfterExecuting("KvCommit", utf8("h"), Status.DEADLINE_EXCEEDED, Integer.MAX_VALUE);
        Transaction txn = client.begin();
        txn.put(utf8("h"), utf8("1"));

        assertThatThrownBy(txn::commit)
                .isInstanceOfSatisfying(
                        CommitUnknownException.class,
                        e -> assertThat(e.commitTs()).isGreaterThan(txn.startTs()));
    }

    @Test
    void regionChangesDuringTheCommitAreRetried() {
        Transaction txn = client.begin();
        txn.put(utf8("i"), utf8("1"));
        txn.put(utf8("m"), utf8("2"));
        TwoPhaseCommitter committer = txn.committer();
        committer.prewrite();
        cluster.cluster().split(utf8("k")); // "i" and "m" now live in different regions
        cluster.cluster()
                .injectRegionError(
                        2,
                        Errorpb.Error.newBuilder()
                                .setMessage("busy")
                                .setServerIsBusy(
                                        Errorpb.ServerIsBusy.newBuilder().setReason("test"))
                                .build(),
                        1);
        long commitTs = client.begin().startTs();

        committer.commitPrimary(commitTs);
        committer.commitSecondaries(commitTs);

        assertThat(scanAll()).containsExactly("i=1", "m=2");
        assertThat(cluster.faults().executed("KvCheckTxnStatus"))
                .as("no lock was left to resolve")
                .isZero();
    }

    @Test
    void aPrewriteRefusedByTheStoreRollsBackAndFailsDefinitely() {
        Transaction txn = client.begin();
        txn.put(utf8("a"), utf8("1"));
        txn.put(utf8("q"), utf8("2"));
        // Region 3's prewrite request is refused (entry too large): cannot be retried.
        cluster.cluster()
                .injectRegionError(
                        3,
                        Errorpb.Error.newBuilder()
                                .setMessage("too large")
                                .setRaftEntryTooLarge(Errorpb.RaftEntryTooLarge.newBuilder()
                                        .setRegionId(3)
                                        .setEntrySize(1))
                                .build(),
                        1);

        assertThatThrownBy(txn::commit)
                .isExactlyInstanceOf(TxnAbortedException.class)
                .hasMessageContaining("prewrite failed");
        assertThat(txn.status()).isEqualTo(Transaction.Status.ROLLED_BACK);
        assertThat(scanAll()).isEmpty();
        int sleepsBefore = clock.sleeps();
        commitPuts("a", "x");
        assertThat(clock.sleeps())
                .as("the lock on a was rolled back, not left to expire")
                .isEqualTo(sleepsBefore);
    }

    @Test
    void aFinishedTransactionRefusesFurtherUse() {
        Transaction txn = client.begin();
        txn.put(utf8("a"), utf8("1"));
        txn.rollback();
        assertThat(txn.status()).isEqualTo(Transaction.Status.ROLLED_BACK);
        assertThatThrownBy(() -> txn.get(utf8("a")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("rolled_back");
        assertThatThrownBy(txn::commit).isInstanceOf(IllegalStateException.class);
        assertThat(read("a")).isEmpty();

        Transaction readOnly = client.begin();
        assertThat(readOnly.commit()).isEqualTo(readOnly.startTs());
        assertThatThrownBy(() -> readOnly.put(utf8("a"), utf8("1"))).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aConflictWithAYoungerTransactionsRollbackRecordIsReportedAsSuch() {
        Transaction older = client.begin();
        Transaction younger = client.begin();
        younger.put(utf8("k"), utf8("never"));
        younger.committer().rollback(); // leaves a rollback record of younger on "k", at younger's start ts
        older.put(utf8("k"), utf8("older"));

        assertThatThrownBy(older::commit).isInstanceOfSatisfying(WriteConflictException.class, e -> {
            assertThat(e.conflictCommitTs()).isEqualTo(younger.startTs());
            assertThat(e)
                    .hasMessageContaining("the rollback record of txn " + Long.toUnsignedString(younger.startTs()))
                    .hasMessageNotContaining("committed at");
        });
        assertThat(read("k")).isEmpty();
    }

    @Test
    void badArgumentsAreRefusedClearly() {
        Transaction txn = client.begin();
        assertThatThrownBy(() -> txn.put(ByteString.EMPTY, utf8("v")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be empty");
        assertThatThrownBy(() -> txn.scan(utf8("b"), utf8("a"), 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> txn.scan(utf8("a"), utf8("b"), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TxnKvClient.create(
                        cluster.env().config(BUDGET_MS), cluster.env().channelFactory(), clock, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resolvedLocksAreRolledBackWithARecordSoALatePrewriteCannotLand() {
        Transaction abandoned = client.begin();
        abandoned.put(utf8("a"), utf8("x"));
        TwoPhaseCommitter committer = abandoned.committer();
        committer.prewrite();
        cluster.env().advanceTso(TxnKvClient.DEFAULT_LOCK_TTL_MS + 1);
        assertThat(read("a")).isEmpty();

        // The same prewrite again (a retry arriving late) meets the rollback record.
        assertThatThrownBy(committer::prewrite)
                .isInstanceOf(WriteConflictException.class)
                .hasMessageContaining("its own rollback")
                .hasMessageNotContaining("committed at");
        assertThat(read("a")).isEmpty();
        Kvrpcpb.GetResponse direct = cluster.commands()
                .get(Kvrpcpb.GetRequest.newBuilder()
                        .setContext(Kvrpcpb.Context.newBuilder().setRegionId(1))
                        .setKey(utf8("a"))
                        .setVersion(Long.MAX_VALUE)
                        .build());
        assertThat(direct.getNotFound()).isTrue();
    }
}
