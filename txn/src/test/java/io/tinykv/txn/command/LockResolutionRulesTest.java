package io.tinykv.txn.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.LockKind;
import io.tinykv.txn.mvcc.Timestamps;
import io.tinykv.txn.mvcc.Write;
import org.junit.jupiter.api.Test;

/**
 * The lock-resolution rules of the {@code txn.command} package documentation that the per-command
 * tests do not already pin down, each in the answer shape the TiKV Java client depends on.
 */
class LockResolutionRulesTest extends CommandTestBase {

    private static final long LOCK_TS = Timestamps.compose(1_000_000, 3);
    private static final long TTL_MS = 10;
    private static final byte[] PRIMARY = k(3);
    private static final byte[] SECONDARY = k(4);

    private static long msAfterLock(long ms) {
        return Timestamps.compose(Timestamps.physicalMillis(LOCK_TS) + ms, 0);
    }

    private Kvrpcpb.CheckTxnStatusRequest.Builder status(long callerTs, long currentTs) {
        return Kvrpcpb.CheckTxnStatusRequest.newBuilder()
                .setContext(ctx())
                .setPrimaryKey(bs(PRIMARY))
                .setLockTs(LOCK_TS)
                .setCallerStartTs(callerTs)
                .setCurrentTs(currentTs);
    }

    private void lockPrimary(long ttlMs, long minCommitTs) {
        f.lock(PRIMARY, new Lock(LockKind.PUT, PRIMARY, LOCK_TS, ttlMs, minCommitTs, 16, k(42)));
    }

    @Test
    void aMinCommitTsAlreadyAboveTheCallerIsReportedAsPushedWithoutAWrite() {
        lockPrimary(TTL_MS, LOCK_TS + 500);
        Lock before = f.lockOf(PRIMARY).orElseThrow();
        Kvrpcpb.CheckTxnStatusResponse r =
                txn.checkTxnStatus(status(LOCK_TS + 100, LOCK_TS + 101).build());
        assertThat(r.getAction()).isEqualTo(Kvrpcpb.Action.MinCommitTSPushed);
        assertThat(r.getLockTtl()).isEqualTo(TTL_MS);
        assertThat(f.lockOf(PRIMARY)).contains(before);
    }

    @Test
    void aLatestReadCallerMayPassWithoutPushing() {
        lockPrimary(TTL_MS, LOCK_TS);
        Kvrpcpb.CheckTxnStatusResponse r =
                txn.checkTxnStatus(status(Timestamps.MAX, LOCK_TS + 1).build());
        assertThat(r.getAction()).isEqualTo(Kvrpcpb.Action.MinCommitTSPushed);
        assertThat(f.lockOf(PRIMARY).orElseThrow().minCommitTs()).isEqualTo(LOCK_TS);
    }

    @Test
    void thePushIsToTheCurrentTsWhenThatIsHigherAndNeitherReplayNorHeartbeatTakesItBack() {
        lockPrimary(TTL_MS, LOCK_TS);
        long caller = LOCK_TS + 100;
        long current = LOCK_TS + 200;
        assertThat(txn.checkTxnStatus(status(caller, current).build()).getAction())
                .isEqualTo(Kvrpcpb.Action.MinCommitTSPushed);
        assertThat(f.lockOf(PRIMARY).orElseThrow().minCommitTs()).isEqualTo(current);

        // The client's prewrite, replayed, still carries min_commit_ts = start ts.
        assertThat(txn.prewrite(prewriteRequest(PRIMARY, LOCK_TS, put(PRIMARY, k(42))).toBuilder()
                                .setMinCommitTs(LOCK_TS)
                                .setLockTtl(TTL_MS)
                                .build())
                        .getErrorsList())
                .isEmpty();
        assertThat(f.lockOf(PRIMARY).orElseThrow().minCommitTs()).isEqualTo(current);

        Kvrpcpb.CommitResponse below = commit(LOCK_TS, current - 1, PRIMARY);
        assertThat(below.getError().getCommitTsExpired().getMinCommitTs()).isEqualTo(current);
        assertThat(f.lockOf(PRIMARY)).isPresent();
        assertThat(commit(LOCK_TS, current, PRIMARY).hasError()).isFalse();
    }

    @Test
    void aLiveLockIsNeverReportedWithTheZeroTtlThatMeansDecided() {
        lockPrimary(0, LOCK_TS);
        // Same millisecond as the lock: alive (a lock is alive at exactly its deadline).
        Kvrpcpb.CheckTxnStatusResponse r =
                txn.checkTxnStatus(status(LOCK_TS + 1, LOCK_TS + 2).build());
        assertThat(r.hasError()).isFalse();
        assertThat(r.getLockTtl()).isPositive();
        assertThat(r.getCommitVersion()).isZero();
        assertThat(f.lockOf(PRIMARY)).isPresent();
    }

    @Test
    void anotherTransactionsLockOnThePrimaryCountsAsNoLock() {
        long other = LOCK_TS + 7;
        f.lock(PRIMARY, new Lock(LockKind.PUT, PRIMARY, other, TTL_MS, other, 16, k(9)));
        Kvrpcpb.CheckTxnStatusResponse notFound =
                txn.checkTxnStatus(status(LOCK_TS + 100, msAfterLock(1)).build());
        assertThat(notFound.getError().hasTxnNotFound()).isTrue();

        Kvrpcpb.CheckTxnStatusResponse rolledBack = txn.checkTxnStatus(status(LOCK_TS + 100, msAfterLock(1))
                .setRollbackIfNotExist(true)
                .build());
        assertThat(rolledBack.getAction()).isEqualTo(Kvrpcpb.Action.LockNotExistRollback);
        assertThat(rolledBack.getLockTtl()).isZero();
        assertThat(rolledBack.getCommitVersion()).isZero();
        assertThat(f.writeAt(PRIMARY, LOCK_TS).orElseThrow().write()).isEqualTo(Write.rollback(LOCK_TS));
        assertThat(f.lockOf(PRIMARY).orElseThrow().startTs()).isEqualTo(other);
        // The rolled-back transaction's primary can no longer be prewritten.
        assertThat(txn.prewrite(prewriteRequest(PRIMARY, LOCK_TS, put(PRIMARY, k(1))))
                        .getErrorsCount())
                .isOne();
    }

    @Test
    void liteResolveRollsBackOnlyItsOwnTransactionOnAKeyAnotherHoldsAndRefusesToCommitARolledBackKey() {
        long other = LOCK_TS + 7;
        f.lock(SECONDARY, new Lock(LockKind.PUT, k(8), other, TTL_MS, other, 16, k(9)));
        Kvrpcpb.ResolveLockResponse rollback = txn.resolveLock(Kvrpcpb.ResolveLockRequest.newBuilder()
                .setContext(ctx())
                .setStartVersion(LOCK_TS)
                .addKeys(bs(SECONDARY))
                .build());
        assertThat(rollback.hasError()).isFalse();
        assertThat(f.lockOf(SECONDARY).orElseThrow().startTs()).isEqualTo(other);
        assertThat(f.writeAt(SECONDARY, LOCK_TS).orElseThrow().write()).isEqualTo(Write.rollback(LOCK_TS));

        Kvrpcpb.ResolveLockResponse commit = txn.resolveLock(Kvrpcpb.ResolveLockRequest.newBuilder()
                .setContext(ctx())
                .setStartVersion(LOCK_TS)
                .setCommitVersion(LOCK_TS + 50)
                .addKeys(bs(SECONDARY))
                .build());
        assertThat(commit.getError().getRetryable()).contains("rolled back");
        assertThat(f.writeAt(SECONDARY, LOCK_TS + 50)).isEmpty();
    }

    @Test
    void aRollbackOfACommittedKeyIsRefusedAndCleanupReportsTheCommit() {
        f.committedPut(SECONDARY, LOCK_TS, LOCK_TS + 50, k(1));
        Kvrpcpb.ResolveLockResponse resolve = txn.resolveLock(Kvrpcpb.ResolveLockRequest.newBuilder()
                .setContext(ctx())
                .setStartVersion(LOCK_TS)
                .addKeys(bs(SECONDARY))
                .build());
        assertThat(resolve.getError().getAbort()).contains("already committed");
        assertThat(rollback(LOCK_TS, SECONDARY).getError().getAbort()).contains("already committed");
        Kvrpcpb.CleanupResponse cleanup = txn.cleanup(Kvrpcpb.CleanupRequest.newBuilder()
                .setContext(ctx())
                .setKey(bs(SECONDARY))
                .setStartVersion(LOCK_TS)
                .build());
        assertThat(cleanup.getCommitVersion()).isEqualTo(LOCK_TS + 50);
        assertThat(f.writeAt(SECONDARY, LOCK_TS)).isEmpty();
    }
}
