package io.tinykv.txn.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.AnswerDeadline;
import io.tinykv.testkit.storage.LeaderStorage;
import io.tinykv.txn.RegionBounds;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.concurrency.ConcurrencyManager;
import io.tinykv.txn.concurrency.MaxTsSync;
import io.tinykv.txn.gc.SafePointGuard;
import io.tinykv.txn.latch.Latches;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.LockKind;
import io.tinykv.txn.mvcc.Write;
import io.tinykv.txn.mvcc.WriteKind;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * 1PC prewrites ({@code try_one_pc}): commit records written at once at a commit ts above every
 * read the store served, never below; memory locks cover the time the records are being written;
 * a new leadership falls back to two phases until it has synced {@code max_ts} from TSO.
 */
class OnePcCommandTest extends CommandTestBase {

    private static final long TERM = 7;

    private LeaderStorage leader;
    private ConcurrencyManager manager;
    private MaxTsSync sync;
    /** What the fake TSO answers next. */
    private final AtomicReference<CompletableFuture<Long>> tsoAnswer =
            new AtomicReference<>(CompletableFuture.completedFuture(50L));

    @BeforeEach
    void onePcCommands() {
        leader = new LeaderStorage(storage, TERM);
        manager = new ConcurrencyManager();
        sync = new MaxTsSync(manager, tsoAnswer::get);
        txn = new TxnCommands(leader, new Latches(), RegionBounds.UNBOUNDED, new SafePointGuard(), sync);
        assertThat(sync.isSynced(0, TERM)).as("the fake TSO answers at once").isTrue();
    }

    private static Kvrpcpb.PrewriteRequest onePc(byte[] primary, long startTs, Kvrpcpb.Mutation... mutations) {
        return prewriteRequest(primary, startTs, mutations).toBuilder()
                .setTryOnePc(true)
                .build();
    }

    private static void assertNoErrors(Kvrpcpb.PrewriteResponse r) {
        assertThat(r.hasRegionError()).isFalse();
        assertThat(r.getErrorsList()).isEmpty();
    }

    private Kvrpcpb.ScanResponse scan(long version) {
        return txn.scan(Kvrpcpb.ScanRequest.newBuilder()
                .setContext(ctx())
                .setStartKey(bs(k(0)))
                .setLimit(10)
                .setVersion(version)
                .build());
    }

    @Test
    void writesCommitRecordsAndNoLocks() {
        f.committedPut(k(2), 40, 45, k(9));
        Kvrpcpb.PrewriteResponse r =
                txn.prewrite(onePc(k(1), START, put(k(1), k(10)), del(k(2)), mutation(Kvrpcpb.Op.Lock, k(3))));
        assertNoErrors(r);
        long commitTs = r.getOnePcCommitTs();
        assertThat(commitTs).isEqualTo(START + 1);
        assertThat(f.lockOf(k(1))).isEmpty();
        assertThat(f.lockOf(k(2))).isEmpty();
        assertThat(f.lockOf(k(3))).isEmpty();
        assertThat(f.writeAt(k(1), commitTs).orElseThrow().write()).isEqualTo(new Write(WriteKind.PUT, START, k(10)));
        assertThat(f.writeAt(k(2), commitTs).orElseThrow().write()).isEqualTo(new Write(WriteKind.DELETE, START, null));
        assertThat(f.writeAt(k(3), commitTs).orElseThrow().write()).isEqualTo(new Write(WriteKind.LOCK, START, null));
        assertThat(get(k(1), commitTs).getValue().toByteArray()).containsExactly(10);
        assertThat(get(k(1), commitTs - 1).getNotFound()).isTrue();
        assertThat(get(k(2), commitTs).getNotFound()).isTrue();
        assertThat(get(k(2), commitTs - 1).getValue().toByteArray()).containsExactly(9);
        assertThat(manager.memoryLockCount())
                .as("memory locks dropped once written")
                .isZero();
    }

    @Test
    void longValueGoesToDefaultAtStartTs() {
        byte[] big = new byte[Lock.SHORT_VALUE_MAX_BYTES + 1];
        big[3] = 7;
        long commitTs = txn.prewrite(onePc(k(1), START, put(k(1), big))).getOnePcCommitTs();
        assertThat(f.rawValue(k(1), START)).isEqualTo(big);
        assertThat(get(k(1), commitTs).getValue().toByteArray()).isEqualTo(big);
    }

    @Test
    void commitTsLiesAboveEveryReadServed() {
        get(k(1), 900);
        txn.batchGet(Kvrpcpb.BatchGetRequest.newBuilder()
                .setContext(ctx())
                .addKeys(bs(k(5)))
                .setVersion(1_500)
                .build());
        scan(1_200);
        assertThat(manager.maxTs()).isEqualTo(1_500);
        long commitTs = txn.prewrite(onePc(k(1), START, put(k(1), k(10)))).getOnePcCommitTs();
        assertThat(commitTs).isEqualTo(1_501);
        // The reads at 900..1500 stay repeatable: none of them sees the new value.
        assertThat(get(k(1), 1_500).getNotFound()).isTrue();
        assertThat(get(k(1), 1_501).getValue().toByteArray()).containsExactly(10);
    }

    @Test
    void latestReadsDoNotPushCommitTs() {
        get(k(1), io.tinykv.txn.mvcc.Timestamps.MAX);
        assertThat(txn.prewrite(onePc(k(1), START, put(k(1), k(10)))).getOnePcCommitTs())
                .isEqualTo(START + 1);
    }

    @Test
    void requestedMinCommitTsIsHonoured() {
        Kvrpcpb.PrewriteRequest r = onePc(k(1), START, put(k(1), k(10))).toBuilder()
                .setMinCommitTs(START + 40)
                .build();
        assertThat(txn.prewrite(r).getOnePcCommitTs()).isEqualTo(START + 40);
    }

    @Test
    void conflictsAnswerAsATwoPhasePrewrite() {
        f.lock(k(3), putLock(k(3), START - 1, k(7)));
        f.committedPut(k(4), 90, START + 1, k(5));
        Kvrpcpb.PrewriteResponse locked = txn.prewrite(onePc(k(1), START, put(k(1), k(1)), put(k(3), k(3))));
        assertThat(locked.getErrorsList())
                .extracting(e -> e.getLocked().getLockVersion())
                .containsExactly(START - 1);
        assertThat(locked.getOnePcCommitTs()).isZero();
        Kvrpcpb.PrewriteResponse conflict = txn.prewrite(onePc(k(1), START, put(k(1), k(1)), put(k(4), k(4))));
        assertThat(conflict.getErrors(0).getConflict().getConflictCommitTs()).isEqualTo(START + 1);
        assertThat(f.lockOf(k(1))).isEmpty();
        assertThat(f.writeAt(k(1), START + 1)).isEmpty();
        assertThat(manager.memoryLockCount()).isZero();
    }

    @Test
    void laterTransactionConflictsWithTheOnePcCommit() {
        long commitTs = txn.prewrite(onePc(k(1), START, put(k(1), k(10)))).getOnePcCommitTs();
        Kvrpcpb.PrewriteResponse r = prewrite(k(1), START - 1, put(k(1), k(11)));
        assertThat(r.getErrors(0).getConflict().getConflictCommitTs()).isEqualTo(commitTs);
    }

    @Test
    void retryAfterCommitAnswersTheSameCommitTs() {
        Kvrpcpb.PrewriteRequest request = onePc(k(1), START, put(k(1), k(10)), put(k(2), k(20)));
        long first = txn.prewrite(request).getOnePcCommitTs();
        get(k(9), first + 100);
        // Someone else overwrites one key meanwhile; the retry still finds our own records.
        f.committedPut(k(2), first + 200, first + 300, k(99));
        Kvrpcpb.PrewriteResponse retry = txn.prewrite(request);
        assertNoErrors(retry);
        assertThat(retry.getOnePcCommitTs()).isEqualTo(first);
        assertThat(f.count(io.tinykv.storage.Cf.WRITE)).isEqualTo(3);
    }

    @Test
    void twoPhasePrewriteOfACommittedTxnIsRefused() {
        Kvrpcpb.PrewriteRequest request = onePc(k(1), START, put(k(1), k(10)));
        txn.prewrite(request);
        Kvrpcpb.PrewriteResponse twoPhase =
                txn.prewrite(request.toBuilder().setTryOnePc(false).build());
        assertThat(twoPhase.getErrors(0).getAbort()).contains("already committed");
        assertThat(f.lockOf(k(1))).isEmpty();
    }

    @Test
    void commitTsAboveMaxCommitTsFallsBackToLocks() {
        get(k(9), 5_000);
        Kvrpcpb.PrewriteRequest r = onePc(k(1), START, put(k(1), k(10))).toBuilder()
                .setMaxCommitTs(4_000)
                .build();
        Kvrpcpb.PrewriteResponse response = txn.prewrite(r);
        assertNoErrors(response);
        assertThat(response.getOnePcCommitTs()).isZero();
        assertThat(f.lockOf(k(1)).orElseThrow().kind()).isEqualTo(LockKind.PUT);
        assertThat(manager.memoryLockCount()).isZero();
    }

    @Test
    void newLeadershipFallsBackUntilSyncedThenCommitsAboveTheTso() {
        // Reads at up to 8000 were served by the previous leader, elsewhere: this store never saw them.
        leader.setTerm(TERM + 1);
        CompletableFuture<Long> tso = new CompletableFuture<>();
        tsoAnswer.set(tso);
        Kvrpcpb.PrewriteResponse fallback = txn.prewrite(onePc(k(1), START, put(k(1), k(10))));
        assertNoErrors(fallback);
        assertThat(fallback.getOnePcCommitTs()).as("not synced: two phases").isZero();
        assertThat(f.lockOf(k(1))).isPresent();
        assertThat(txn.prewrite(onePc(k(2), START + 2, put(k(2), k(20)))).getOnePcCommitTs())
                .as("still syncing")
                .isZero();
        tso.complete(8_001L);
        assertThat(manager.maxTs()).isEqualTo(8_001);
        long commitTs = txn.prewrite(onePc(k(3), START + 3, put(k(3), k(30)))).getOnePcCommitTs();
        assertThat(commitTs).isGreaterThan(8_001);
    }

    @Test
    void failedSyncIsRetriedByTheNextPrewrite() {
        leader.setTerm(TERM + 1);
        tsoAnswer.set(CompletableFuture.failedFuture(new IllegalStateException("scheduler down")));
        assertThat(txn.prewrite(onePc(k(1), START, put(k(1), k(10)))).getOnePcCommitTs())
                .isZero();
        tsoAnswer.set(CompletableFuture.completedFuture(9_000L));
        assertThat(txn.prewrite(onePc(k(2), START, put(k(2), k(10)))).getOnePcCommitTs())
                .isEqualTo(9_001);
    }

    @Test
    void snapshotWithoutLeaderTermNeverCommitsInOnePhase() {
        leader.setTerm(0);
        assertThat(txn.prewrite(onePc(k(1), START, put(k(1), k(10)))).getOnePcCommitTs())
                .isZero();
        assertThat(txn.prewrite(onePc(k(2), START, put(k(2), k(10)))).getOnePcCommitTs())
                .isZero();
    }

    @Test
    void readWhileCommitRecordsAreInFlightMeetsTheMemoryLock() {
        leader.holdWrites();
        CompletableFuture<Kvrpcpb.PrewriteResponse> pending =
                txn.prewriteAsync(onePc(k(1), START, put(k(1), k(10)), put(k(2), k(20))));
        assertThat(pending).isNotDone();
        assertThat(leader.heldWrites()).isEqualTo(1);
        // A read above the commit ts would miss the records still replicating: it is told of a lock.
        Kvrpcpb.GetResponse blocked = get(k(1), START + 5);
        assertThat(blocked.getError().getLocked().getLockVersion()).isEqualTo(START);
        assertThat(blocked.getError().getLocked().getMinCommitTs()).isEqualTo(START + 1);
        Kvrpcpb.BatchGetResponse batch = txn.batchGet(Kvrpcpb.BatchGetRequest.newBuilder()
                .setContext(ctx())
                .addKeys(bs(k(2)))
                .addKeys(bs(k(3)))
                .setVersion(START + 5)
                .build());
        assertThat(batch.getPairsList())
                .singleElement()
                .satisfies(p -> assertThat(p.getError().hasLocked()).isTrue());
        Kvrpcpb.ScanResponse scanned = scan(START + 5);
        assertThat(scanned.getError().getLocked().getKey().toByteArray()).containsExactly(1);
        assertThat(scanned.getPairs(0).getError().hasLocked()).isTrue();
        // A read below the lock's min commit ts passes: the commit lands above it.
        assertThat(get(k(1), START).getNotFound()).isTrue();
        leader.releaseWrites();
        long commitTs = pending.join().getOnePcCommitTs();
        assertThat(commitTs).isEqualTo(START + 1);
        assertThat(get(k(1), START + 5).getValue().toByteArray()).containsExactly(10);
        assertThat(manager.memoryLockCount()).isZero();
    }

    @Test
    void readBeforeTheMemoryLockIsComputedPushesTheCommitTs() {
        // A reader that raised max_ts before the prewrite computed its locks is never blocked, and
        // the commit lands above it.
        get(k(1), START + 30);
        leader.holdWrites();
        CompletableFuture<Kvrpcpb.PrewriteResponse> pending = txn.prewriteAsync(onePc(k(1), START, put(k(1), k(10))));
        assertThat(get(k(1), START + 30).getNotFound()).isTrue();
        leader.releaseWrites();
        assertThat(pending.join().getOnePcCommitTs()).isEqualTo(START + 31);
        assertThat(Arrays.asList(
                        get(k(1), START + 30).getNotFound(),
                        get(k(1), START + 31).getNotFound()))
                .containsExactly(true, false);
    }

    @Test
    void anAnswerThatTimesOutLeavesTheMemoryLocksAndLatchesUntilTheWriteSettles() {
        // The client hears server_is_busy after the deadline, but the write is still in the log and
        // may apply: what guards it must stay until it does.
        AnswerDeadline deadline = new AnswerDeadline(Duration.ofMillis(50));
        txn = new TxnCommands(leader, new Latches(), RegionBounds.UNBOUNDED, new SafePointGuard(), sync, deadline);
        leader.holdWrites();
        Kvrpcpb.PrewriteResponse answer =
                txn.prewriteAsync(onePc(k(1), START, put(k(1), k(10)))).join();
        assertThat(answer.getRegionError().hasServerIsBusy())
                .as("the answer timed out")
                .isTrue();
        assertThat(leader.heldWrites()).as("the write is still in flight").isEqualTo(1);
        Kvrpcpb.GetResponse during = get(k(1), START + 5);
        assertThat(during.getError().getLocked().getLockVersion())
                .as("the reader meets the memory lock")
                .isEqualTo(START);
        assertThat(manager.memoryLockCount()).isEqualTo(1);
        // Another command on the key waits for its latch at most the deadline, then is told busy.
        Kvrpcpb.PrewriteResponse second = txn.prewrite(prewriteRequest(k(1), START + 2, put(k(1), k(11))));
        assertThat(second.getRegionError().getServerIsBusy().getReason()).contains("latches");
        leader.releaseWrites();
        assertThat(get(k(1), START + 5).getValue().toByteArray()).containsExactly(10);
        assertThat(manager.memoryLockCount())
                .as("released once the write applied")
                .isZero();
        // The latch is free again.
        Kvrpcpb.PrewriteResponse third = txn.prewrite(prewriteRequest(k(1), START - 1, put(k(1), k(11))));
        assertThat(third.getErrors(0).getConflict().getConflictCommitTs()).isEqualTo(START + 1);
    }
}
