package io.tinykv.txn.command;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.KeyCodec;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.MvccTxn;
import io.tinykv.txn.mvcc.Timestamps;
import io.tinykv.txn.mvcc.TxnRecord;
import java.util.List;
import java.util.Optional;

/**
 * KvCheckTxnStatus: what became of the transaction {@code lock_ts}, judged at its primary key, for
 * a client that ran into one of its locks. Live lock: its TTL (and, if the caller's read would be
 * blocked, the lock's min commit ts pushed above the caller so the read may pass). Expired lock:
 * rolled back now. No lock: the commit record tells committed or rolled back; with neither, the
 * transaction is rolled back now if {@code rollback_if_not_exist}, else TxnNotFound.
 *
 * <p>An async-commit primary lock is reported as it is (with its secondaries), never rolled back or
 * pushed, unless {@code force_sync_commit} (a resolver that found the transaction fell back to two
 * phases) asks to treat it as an ordinary lock.
 */
public record CheckTxnStatus(Kvrpcpb.CheckTxnStatusRequest request) implements Command<Kvrpcpb.CheckTxnStatusResponse> {

    /** The smallest lock_ttl a live lock is reported with: 0 would read as a final answer. */
    static final long MIN_LIVE_TTL_MILLIS = 1;

    @Override
    public Kvrpcpb.Context context() {
        return request.getContext();
    }

    @Override
    public List<byte[]> latchKeys() {
        return List.of(request.getPrimaryKey().toByteArray());
    }

    @Override
    public Outcome<Kvrpcpb.CheckTxnStatusResponse> execute(MvccReader snapshot, KeyRange region) {
        long lockTs = request.getLockTs();
        Requests.requireTs(lockTs, "lock_ts");
        byte[] primary = Requests.requireKey(request.getPrimaryKey(), "primary_key");
        Requests.requireInRegion(context(), region, primary);
        MvccTxn txn = new MvccTxn(lockTs);
        Optional<Lock> found = snapshot.lock(primary);
        Kvrpcpb.CheckTxnStatusResponse.Builder response = Kvrpcpb.CheckTxnStatusResponse.newBuilder();
        if (found.isPresent() && found.get().startTs() == lockTs) {
            checkLiveOrExpired(snapshot, txn, primary, found.get(), response);
        } else {
            checkWithoutLock(snapshot, txn, primary, response);
        }
        return new Outcome<>(response.build(), txn.modifies());
    }

    private void checkLiveOrExpired(
            MvccReader snapshot,
            MvccTxn txn,
            byte[] primary,
            Lock lock,
            Kvrpcpb.CheckTxnStatusResponse.Builder response) {
        if (!lock.isPrimary(primary)) {
            // Judging a transaction by a secondary could roll it back while its primary commits.
            byte[] actual = lock.primary();
            throw new KeyErrorException(KeyErrors.abort("primary mismatch: key " + KeyCodec.hex(primary)
                    + " is a secondary of txn " + Timestamps.format(lock.startTs()) + " whose primary is "
                    + KeyCodec.hex(actual)));
        }
        if (lock.useAsyncCommit() && !request.getForceSyncCommit()) {
            // Its commit ts is fixed by its locks' min commit timestamps, and it may already count
            // as committed (all locks in): neither rolled back here nor pushed, whatever its TTL.
            // The resolver decides from all its locks (CheckSecondaryLocks), as in TiKV.
            response.setLockTtl(lock.ttlMillis() == 0 ? MIN_LIVE_TTL_MILLIS : lock.ttlMillis())
                    .setAction(Kvrpcpb.Action.NoAction)
                    .setLockInfo(lock.toLockInfo(primary));
            return;
        }
        if (Timestamps.lockExpired(lock.startTs(), lock.ttlMillis(), request.getCurrentTs())) {
            TxnActions.rollbackLock(snapshot, txn, primary, lock);
            response.setAction(Kvrpcpb.Action.TTLExpireRollback);
            return;
        }
        long callerTs = request.getCallerStartTs();
        // A lock without min commit ts belongs to a client that does not expect it to move.
        if (lock.minCommitTs() != 0 && callerTs != Timestamps.MAX && !Timestamps.before(callerTs, lock.minCommitTs())) {
            long pushed = callerTs + 1;
            if (Timestamps.before(pushed, request.getCurrentTs())) {
                pushed = request.getCurrentTs();
            }
            lock = lock.withMinCommitTs(pushed);
            txn.putLock(primary, lock);
        }
        boolean readerMayPass =
                (callerTs != 0 && Timestamps.after(lock.minCommitTs(), callerTs)) || callerTs == Timestamps.MAX;
        // Clients read lock_ttl 0 as "the transaction is decided" (and then commit_version 0 as
        // rolled back): a live lock prewritten with TTL 0 must not be reported so, or its secondaries
        // would be rolled back while its primary may still commit.
        response.setLockTtl(lock.ttlMillis() == 0 ? MIN_LIVE_TTL_MILLIS : lock.ttlMillis())
                .setAction(readerMayPass ? Kvrpcpb.Action.MinCommitTSPushed : Kvrpcpb.Action.NoAction)
                .setLockInfo(lock.toLockInfo(primary));
    }

    private void checkWithoutLock(
            MvccReader snapshot, MvccTxn txn, byte[] primary, Kvrpcpb.CheckTxnStatusResponse.Builder response) {
        TxnRecord record = snapshot.currentWrite(primary, request.getLockTs());
        if (record instanceof TxnRecord.Found f && !f.isRollback()) {
            response.setCommitVersion(f.record().commitTs());
            return;
        }
        if (record.isRolledBack()) {
            response.setAction(Kvrpcpb.Action.NoAction);
            return;
        }
        if (!request.getRollbackIfNotExist()) {
            throw new KeyErrorException(KeyErrors.txnNotFound(request.getLockTs(), primary));
        }
        TxnActions.rollbackMissingLock(snapshot, txn, primary);
        response.setAction(Kvrpcpb.Action.LockNotExistRollback);
    }

    @Override
    public Kvrpcpb.CheckTxnStatusResponse regionError(Errorpb.Error error) {
        return Kvrpcpb.CheckTxnStatusResponse.newBuilder().setRegionError(error).build();
    }

    @Override
    public Kvrpcpb.CheckTxnStatusResponse keyError(Kvrpcpb.KeyError error) {
        return Kvrpcpb.CheckTxnStatusResponse.newBuilder().setError(error).build();
    }
}
