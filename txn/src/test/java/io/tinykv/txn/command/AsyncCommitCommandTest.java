package io.tinykv.txn.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.testkit.storage.LeaderStorage;
import io.tinykv.txn.RegionBounds;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.concurrency.ConcurrencyManager;
import io.tinykv.txn.concurrency.MaxTsSync;
import io.tinykv.txn.gc.SafePointGuard;
import io.tinykv.txn.latch.Latches;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.LockKind;
import io.tinykv.txn.mvcc.Timestamps;
import io.tinykv.txn.mvcc.WriteKind;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Async commit on the store: prewrite places async-commit locks whose min commit ts lies above every
 * read served (the primary's lock listing the secondaries) and answers the largest; it falls back to
 * ordinary locks and 0 when it cannot; CheckTxnStatus reports an async-commit primary instead of
 * deciding it; CheckSecondaryLocks tells a resolver whether all locks are in.
 */
class AsyncCommitCommandTest extends CommandTestBase {

    private static final long TERM = 7;

    private LeaderStorage leader;
    private ConcurrencyManager manager;
    private final AtomicReference<CompletableFuture<Long>> tsoAnswer =
            new AtomicReference<>(CompletableFuture.completedFuture(50L));

    @BeforeEach
    void asyncCommands() {
        leader = new LeaderStorage(storage, TERM);
        manager = new ConcurrencyManager();
        MaxTsSync sync = new MaxTsSync(manager, tsoAnswer::get);
        txn = new TxnCommands(leader, new Latches(), RegionBounds.UNBOUNDED, new SafePointGuard(), sync);
        assertThat(sync.isSynced(0, TERM)).as("the fake TSO answers at once").isTrue();
    }

    private static Kvrpcpb.PrewriteRequest async(
            byte[] primary, List<byte[]> secondaries, Kvrpcpb.Mutation... mutations) {
        return prewriteRequest(primary, START, mutations).toBuilder()
                .setUseAsyncCommit(true)
                .setMinCommitTs(START + 1)
                .addAllSecondaries(
                        secondaries.stream().map(ByteString::copyFrom).toList())
                .build();
    }

    private static long msAfterStart(long ms) {
        return Timestamps.compose(Timestamps.physicalMillis(START) + ms, 0);
    }

    private Kvrpcpb.CheckSecondaryLocksResponse checkSecondaries(byte[]... keys) {
        return txn.checkSecondaryLocks(Kvrpcpb.CheckSecondaryLocksRequest.newBuilder()
                .setContext(ctx())
                .setStartVersion(START)
                .addAllKeys(Arrays.stream(keys).map(CommandTestBase::bs).toList())
                .build());
    }

    private Kvrpcpb.CheckTxnStatusResponse status(byte[] primary, long callerTs, boolean forceSync) {
        return txn.checkTxnStatus(Kvrpcpb.CheckTxnStatusRequest.newBuilder()
                .setContext(ctx())
                .setPrimaryKey(bs(primary))
                .setLockTs(START)
                .setCallerStartTs(callerTs)
                .setCurrentTs(msAfterStart(TTL + 1))
                .setRollbackIfNotExist(true)
                .setForceSyncCommit(forceSync)
                .build());
    }

    @Test
    void locksCarryAsyncCommitAndMinCommitTsAboveEveryReadServed() {
        get(k(1), START + 30);
        Kvrpcpb.PrewriteResponse r = txn.prewrite(async(k(1), List.of(k(2), k(3)), put(k(1), k(10)), del(k(2))));
        assertThat(r.getErrorsList()).isEmpty();
        assertThat(r.getMinCommitTs()).isEqualTo(START + 31);
        Lock primary = f.lockOf(k(1)).orElseThrow();
        assertThat(primary.useAsyncCommit()).isTrue();
        assertThat(primary.minCommitTs()).isEqualTo(START + 31);
        assertThat(primary.secondaries()).containsExactly(k(2), k(3));
        Lock secondary = f.lockOf(k(2)).orElseThrow();
        assertThat(secondary.useAsyncCommit()).isTrue();
        assertThat(secondary.kind()).isEqualTo(LockKind.DELETE);
        assertThat(secondary.secondaries()).isEmpty();
        assertThat(manager.memoryLockCount())
                .as("memory locks dropped once the locks are written")
                .isZero();
        // A read at or above the min commit ts is blocked; one below passes.
        assertThat(get(k(1), START + 31).getError().getLocked().getUseAsyncCommit())
                .isTrue();
        assertThat(get(k(1), START + 30).getNotFound()).isTrue();
        // The answer is the commit ts: committing there succeeds.
        assertThat(commit(START, r.getMinCommitTs(), k(1), k(2)).hasError()).isFalse();
        assertThat(get(k(1), START + 31).getValue().toByteArray()).containsExactly(10);
    }

    @Test
    void maxCommitTsBelowTheComputedTsFallsBackToOrdinaryLocks() {
        get(k(1), START + 30);
        Kvrpcpb.PrewriteResponse r = txn.prewrite(async(k(1), List.of(), put(k(1), k(10))).toBuilder()
                .setMaxCommitTs(START + 20)
                .build());
        assertThat(r.getErrorsList()).isEmpty();
        assertThat(r.getMinCommitTs()).isZero();
        Lock lock = f.lockOf(k(1)).orElseThrow();
        assertThat(lock.useAsyncCommit()).isFalse();
        assertThat(lock.minCommitTs()).isEqualTo(START + 1);
        assertThat(manager.memoryLockCount()).isZero();
    }

    @Test
    void unsyncedLeadershipFallsBackToOrdinaryLocks() {
        tsoAnswer.set(new CompletableFuture<>());
        leader.setTerm(TERM + 1);
        Kvrpcpb.PrewriteResponse r = txn.prewrite(async(k(1), List.of(k(2)), put(k(1), k(10)), put(k(2), k(20))));
        assertThat(r.getErrorsList()).isEmpty();
        assertThat(r.getMinCommitTs()).isZero();
        assertThat(f.lockOf(k(1)).orElseThrow().useAsyncCommit()).isFalse();
        assertThat(f.lockOf(k(2)).orElseThrow().useAsyncCommit()).isFalse();
    }

    @Test
    void retryAnswersTheMinCommitTsTheFirstAttemptFixed() {
        long first = txn.prewrite(async(k(1), List.of(), put(k(1), k(10)))).getMinCommitTs();
        assertThat(first).isEqualTo(START + 1);
        get(k(1), START - 1);
        get(k(2), START + 90);
        // max_ts moved on, but the lock's min commit ts (which a resolver may already use) stays.
        assertThat(txn.prewrite(async(k(1), List.of(), put(k(1), k(10)))).getMinCommitTs())
                .isEqualTo(first);
        assertThat(f.lockOf(k(1)).orElseThrow().minCommitTs()).isEqualTo(first);
    }

    @Test
    void readWhileTheLocksReplicateMeetsTheMemoryLock() {
        leader.holdWrites();
        CompletableFuture<Kvrpcpb.PrewriteResponse> pending =
                txn.prewriteAsync(async(k(1), List.of(), put(k(1), k(10))));
        assertThat(pending).isNotDone();
        Kvrpcpb.GetResponse blocked = get(k(1), START + 5);
        assertThat(blocked.getError().getLocked().getLockVersion()).isEqualTo(START);
        assertThat(blocked.getError().getLocked().getUseAsyncCommit()).isTrue();
        leader.releaseWrites();
        assertThat(pending.join().getMinCommitTs()).isEqualTo(START + 1);
        assertThat(manager.memoryLockCount()).isZero();
    }

    @Test
    void checkTxnStatusReportsAnExpiredAsyncCommitPrimaryWithoutDecidingIt() {
        get(k(9), START + 3);
        txn.prewrite(async(k(1), List.of(k(2)), put(k(1), k(10))));
        Kvrpcpb.CheckTxnStatusResponse r = status(k(1), START + 50, false);
        assertThat(r.hasError()).isFalse();
        assertThat(r.getCommitVersion()).isZero();
        assertThat(r.getLockTtl()).isEqualTo(TTL);
        assertThat(r.getAction()).isEqualTo(Kvrpcpb.Action.NoAction);
        assertThat(r.getLockInfo().getUseAsyncCommit()).isTrue();
        assertThat(r.getLockInfo().getSecondariesList()).containsExactly(bs(k(2)));
        Lock lock = f.lockOf(k(1)).orElseThrow();
        assertThat(lock.minCommitTs())
                .as("never pushed: it may be the commit ts already")
                .isEqualTo(START + 4);
        // A resolver that found the transaction fell back forces the ordinary rules: expired, rolled back.
        Kvrpcpb.CheckTxnStatusResponse forced = status(k(1), START + 50, true);
        assertThat(forced.getAction()).isEqualTo(Kvrpcpb.Action.TTLExpireRollback);
        assertThat(f.lockOf(k(1))).isEmpty();
        assertThat(f.writeAt(k(1), START).orElseThrow().kind()).isEqualTo(WriteKind.ROLLBACK);
    }

    @Test
    void checkSecondaryLocksReturnsAllLocksWhenAllAreIn() {
        get(k(9), START + 7);
        txn.prewrite(async(k(1), List.of(k(2), k(3)), put(k(1), k(10)), put(k(2), k(20)), put(k(3), k(30))));
        Kvrpcpb.CheckSecondaryLocksResponse r = checkSecondaries(k(2), k(3));
        assertThat(r.getCommitTs()).isZero();
        assertThat(r.getLocksList())
                .extracting(l -> l.getKey().toByteArray()[0])
                .containsExactly((byte) 2, (byte) 3);
        assertThat(r.getLocksList()).allSatisfy(l -> {
            assertThat(l.getUseAsyncCommit()).isTrue();
            assertThat(l.getMinCommitTs()).isEqualTo(START + 8);
        });
        assertThat(f.lockOf(k(2))).as("checking changes nothing").isPresent();
    }

    @Test
    void checkSecondaryLocksAnswersTheCommitTsOfACommittedKey() {
        txn.prewrite(async(k(1), List.of(k(2), k(3)), put(k(1), k(10)), put(k(2), k(20)), put(k(3), k(30))));
        commit(START, START + 5, k(3));
        Kvrpcpb.CheckSecondaryLocksResponse r = checkSecondaries(k(2), k(3));
        assertThat(r.getCommitTs()).isEqualTo(START + 5);
        assertThat(r.getLocksList()).isEmpty();
    }

    @Test
    void checkSecondaryLocksRollsBackAKeyNeverLockedSoItsPrewriteCannotLand() {
        txn.prewrite(async(k(1), List.of(k(2), k(3)), put(k(1), k(10)), put(k(2), k(20))));
        Kvrpcpb.CheckSecondaryLocksResponse r = checkSecondaries(k(2), k(3));
        assertThat(r.hasError()).isFalse();
        assertThat(r.getCommitTs()).isZero();
        assertThat(r.getLocksList())
                .as("not all locked: the transaction cannot have committed")
                .isEmpty();
        assertThat(f.writeAt(k(3), START).orElseThrow().kind()).isEqualTo(WriteKind.ROLLBACK);
        // The late prewrite of k3 is refused, so the transaction can never have all its locks.
        Kvrpcpb.PrewriteResponse late = txn.prewrite(async(k(1), List.of(), put(k(3), k(30))));
        assertThat(late.getErrors(0).hasConflict()).isTrue();
        // Rolled back already: asked again, the same answer.
        assertThat(checkSecondaries(k(3)).getLocksList()).isEmpty();
    }

    @Test
    void asyncCommitLockRoundTripsThroughItsRecord() {
        Lock lock = new Lock(LockKind.PUT, k(1), START, TTL, START + 4, 3, k(7)).asAsyncCommit(List.of(k(2), k(3, 4)));
        Lock parsed = Lock.parse(lock.toBytes());
        assertThat(parsed).isEqualTo(lock);
        assertThat(parsed.secondaries()).containsExactly(k(2), k(3, 4));
        Lock plain = new Lock(LockKind.DELETE, k(1), START, TTL, 0, 1, null);
        assertThat(Lock.parse(plain.toBytes()).useAsyncCommit()).isFalse();
    }
}
