package io.tinykv.txn.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.LockKind;
import io.tinykv.txn.mvcc.Timestamps;
import io.tinykv.txn.mvcc.Write;
import io.tinykv.txn.mvcc.WriteKind;
import org.junit.jupiter.api.Test;

/** KvCheckTxnStatus (TinyKV 4C's cases), KvCleanup and KvTxnHeartBeat. */
class TxnStatusCommandsTest extends CommandTestBase {

    /** A start ts with a real physical part, so TTLs mean something. */
    private static final long LOCK_TS = Timestamps.compose(1_000_000, 3);

    private static final long LOCK_TTL_MS = 10;
    private static final byte[] PRIMARY = k(3);

    private static long msAfterLock(long ms) {
        return Timestamps.compose(Timestamps.physicalMillis(LOCK_TS) + ms, 0);
    }

    private Kvrpcpb.CheckTxnStatusRequest.Builder status(long currentTs) {
        return Kvrpcpb.CheckTxnStatusRequest.newBuilder()
                .setContext(ctx())
                .setPrimaryKey(bs(PRIMARY))
                .setLockTs(LOCK_TS)
                .setCurrentTs(currentTs)
                .setRollbackIfNotExist(true);
    }

    private void lockPrimary(long minCommitTs) {
        f.value(PRIMARY, LOCK_TS, k(42))
                .lock(PRIMARY, new Lock(LockKind.PUT, PRIMARY, LOCK_TS, LOCK_TTL_MS, minCommitTs, 1, null));
    }

    @Test
    void checkTxnStatusTtlExpiredRollsBack() {
        lockPrimary(0);
        Kvrpcpb.CheckTxnStatusResponse r =
                txn.checkTxnStatus(status(msAfterLock(LOCK_TTL_MS + 1)).build());
        assertThat(r.hasError()).isFalse();
        assertThat(r.getAction()).isEqualTo(Kvrpcpb.Action.TTLExpireRollback);
        assertThat(r.getLockTtl()).isZero();
        assertThat(r.getCommitVersion()).isZero();
        assertThat(f.counts()).containsExactly(0, 0, 1);
        assertThat(f.writeAt(PRIMARY, LOCK_TS).orElseThrow().write()).isEqualTo(Write.rollback(LOCK_TS));
    }

    @Test
    void checkTxnStatusTtlAliveReturnsTtl() {
        lockPrimary(0);
        // At exactly the deadline the lock is still alive (TiKV's rule).
        Kvrpcpb.CheckTxnStatusResponse r =
                txn.checkTxnStatus(status(msAfterLock(LOCK_TTL_MS)).build());
        assertThat(r.hasError()).isFalse();
        assertThat(r.getAction()).isEqualTo(Kvrpcpb.Action.NoAction);
        assertThat(r.getLockTtl()).isEqualTo(LOCK_TTL_MS);
        assertThat(r.getCommitVersion()).isZero();
        assertThat(r.getLockInfo().getLockVersion()).isEqualTo(LOCK_TS);
        assertThat(f.counts()).containsExactly(1, 1, 0);
    }

    @Test
    void checkTxnStatusRolledBack() {
        f.write(PRIMARY, LOCK_TS, Write.rollback(LOCK_TS))
                .lock(PRIMARY, new Lock(LockKind.PUT, PRIMARY, LOCK_TS + 10, LOCK_TTL_MS, 0, 1, k(1)));
        Kvrpcpb.CheckTxnStatusResponse r =
                txn.checkTxnStatus(status(msAfterLock(1)).build());
        assertThat(r.hasError()).isFalse();
        assertThat(r.getAction()).isEqualTo(Kvrpcpb.Action.NoAction);
        assertThat(r.getLockTtl()).isZero();
        assertThat(r.getCommitVersion()).isZero();
        assertThat(f.counts()).containsExactly(0, 1, 1);
    }

    @Test
    void checkTxnStatusCommittedReturnsCommitTs() {
        f.value(PRIMARY, LOCK_TS, k(42)).write(PRIMARY, LOCK_TS + 5, new Write(WriteKind.PUT, LOCK_TS, null));
        Kvrpcpb.CheckTxnStatusResponse r =
                txn.checkTxnStatus(status(msAfterLock(1)).build());
        assertThat(r.hasError()).isFalse();
        assertThat(r.getCommitVersion()).isEqualTo(LOCK_TS + 5);
        assertThat(r.getLockTtl()).isZero();
        assertThat(f.counts()).containsExactly(1, 0, 1);
    }

    @Test
    void checkTxnStatusWithNeitherLockNorWriteRollsBack() {
        Kvrpcpb.CheckTxnStatusResponse r =
                txn.checkTxnStatus(status(msAfterLock(1)).build());
        assertThat(r.hasError()).isFalse();
        assertThat(r.getAction()).isEqualTo(Kvrpcpb.Action.LockNotExistRollback);
        assertThat(f.counts()).containsExactly(0, 0, 1);
        assertThat(f.writeAt(PRIMARY, LOCK_TS).orElseThrow().write()).isEqualTo(Write.rollback(LOCK_TS));
        // And the late prewrite fails.
        assertThat(prewrite(PRIMARY, LOCK_TS, put(PRIMARY, k(1))).getErrors(0).hasConflict())
                .isTrue();
    }

    @Test
    void checkTxnStatusWithoutRollbackIfNotExistReportsTxnNotFound() {
        Kvrpcpb.CheckTxnStatusResponse r = txn.checkTxnStatus(
                status(msAfterLock(1)).setRollbackIfNotExist(false).build());
        assertThat(r.getError().getTxnNotFound().getStartTs()).isEqualTo(LOCK_TS);
        assertThat(r.getError().getTxnNotFound().getPrimaryKey().toByteArray()).isEqualTo(PRIMARY);
        assertThat(f.counts()).containsExactly(0, 0, 0);
    }

    @Test
    void checkTxnStatusPushesMinCommitTsAboveTheCaller() {
        lockPrimary(LOCK_TS + 1);
        long caller = LOCK_TS + 100;
        Kvrpcpb.CheckTxnStatusResponse r =
                txn.checkTxnStatus(status(LOCK_TS + 50).setCallerStartTs(caller).build());
        assertThat(r.getAction()).isEqualTo(Kvrpcpb.Action.MinCommitTSPushed);
        assertThat(f.lockOf(PRIMARY).orElseThrow().minCommitTs()).isEqualTo(caller + 1);
        // The caller may now read past the lock, and the transaction cannot commit below it.
        assertThat(get(PRIMARY, caller).hasError()).isFalse();
        assertThat(commit(LOCK_TS, caller, PRIMARY).getError().hasCommitTsExpired())
                .isTrue();
        assertThat(commit(LOCK_TS, caller + 1, PRIMARY).hasError()).isFalse();
    }

    @Test
    void checkTxnStatusLeavesLocksWithoutMinCommitTsInPlace() {
        lockPrimary(0);
        Kvrpcpb.CheckTxnStatusResponse r = txn.checkTxnStatus(
                status(LOCK_TS + 50).setCallerStartTs(LOCK_TS + 100).build());
        assertThat(r.getAction()).isEqualTo(Kvrpcpb.Action.NoAction);
        assertThat(f.lockOf(PRIMARY).orElseThrow().minCommitTs()).isZero();
    }

    @Test
    void checkTxnStatusOnASecondaryIsRefused() {
        f.lock(k(4), new Lock(LockKind.PUT, PRIMARY, LOCK_TS, LOCK_TTL_MS, 0, 1, k(1)));
        Kvrpcpb.CheckTxnStatusResponse r = txn.checkTxnStatus(
                status(msAfterLock(100)).setPrimaryKey(bs(k(4))).build());
        assertThat(r.getError().getAbort()).contains("primary mismatch");
        assertThat(f.lockOf(k(4))).isPresent();
    }

    private Kvrpcpb.CleanupResponse cleanup(long currentTs) {
        return txn.cleanup(Kvrpcpb.CleanupRequest.newBuilder()
                .setContext(ctx())
                .setKey(bs(PRIMARY))
                .setStartVersion(LOCK_TS)
                .setCurrentTs(currentTs)
                .build());
    }

    @Test
    void cleanupRollsBackAnExpiredLock() {
        lockPrimary(0);
        Kvrpcpb.CleanupResponse r = cleanup(msAfterLock(LOCK_TTL_MS + 1));
        assertThat(r.hasError()).isFalse();
        assertThat(f.counts()).containsExactly(0, 0, 1);
    }

    @Test
    void cleanupReportsALiveLock() {
        lockPrimary(0);
        Kvrpcpb.CleanupResponse r = cleanup(msAfterLock(1));
        assertThat(r.getError().getLocked().getLockVersion()).isEqualTo(LOCK_TS);
        assertThat(f.counts()).containsExactly(1, 1, 0);
    }

    @Test
    void cleanupWithoutCurrentTsRollsBackUnconditionally() {
        lockPrimary(0);
        assertThat(cleanup(0).hasError()).isFalse();
        assertThat(f.lockOf(PRIMARY)).isEmpty();
    }

    @Test
    void cleanupOfCommittedTxnReturnsCommitVersion() {
        f.write(PRIMARY, LOCK_TS + 5, new Write(WriteKind.PUT, LOCK_TS, k(1)));
        Kvrpcpb.CleanupResponse r = cleanup(msAfterLock(100));
        assertThat(r.hasError()).isFalse();
        assertThat(r.getCommitVersion()).isEqualTo(LOCK_TS + 5);
        assertThat(f.counts()).containsExactly(0, 0, 1);
    }

    @Test
    void cleanupOfMissingLockWritesRollbackRecord() {
        assertThat(cleanup(msAfterLock(100)).hasError()).isFalse();
        assertThat(f.writeAt(PRIMARY, LOCK_TS).orElseThrow().write()).isEqualTo(Write.rollback(LOCK_TS));
    }

    private Kvrpcpb.TxnHeartBeatResponse heartBeat(long startTs, long adviseTtl) {
        return txn.txnHeartBeat(Kvrpcpb.TxnHeartBeatRequest.newBuilder()
                .setContext(ctx())
                .setPrimaryLock(bs(PRIMARY))
                .setStartVersion(startTs)
                .setAdviseLockTtl(adviseTtl)
                .build());
    }

    @Test
    void heartBeatExtendsTtl() {
        lockPrimary(0);
        Kvrpcpb.TxnHeartBeatResponse r = heartBeat(LOCK_TS, 500);
        assertThat(r.hasError()).isFalse();
        assertThat(r.getLockTtl()).isEqualTo(500);
        assertThat(f.lockOf(PRIMARY).orElseThrow().ttlMillis()).isEqualTo(500);
        // The longer TTL now keeps the lock alive past its old deadline.
        assertThat(txn.checkTxnStatus(status(msAfterLock(LOCK_TTL_MS + 1)).build())
                        .getLockTtl())
                .isEqualTo(500);
    }

    @Test
    void heartBeatNeverShortensTtl() {
        lockPrimary(0);
        heartBeat(LOCK_TS, 500);
        Kvrpcpb.TxnHeartBeatResponse r = heartBeat(LOCK_TS, 100);
        assertThat(r.getLockTtl()).isEqualTo(500);
        assertThat(f.lockOf(PRIMARY).orElseThrow().ttlMillis()).isEqualTo(500);
    }

    @Test
    void heartBeatWithoutLockReportsTxnNotFound() {
        assertThat(heartBeat(LOCK_TS, 500).getError().getTxnNotFound().getStartTs())
                .isEqualTo(LOCK_TS);
        lockPrimary(0);
        assertThat(heartBeat(LOCK_TS + 1, 500).getError().hasTxnNotFound()).isTrue();
        assertThat(f.lockOf(PRIMARY).orElseThrow().ttlMillis()).isEqualTo(LOCK_TTL_MS);
    }
}
