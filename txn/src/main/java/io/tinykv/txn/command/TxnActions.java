package io.tinykv.txn.command;

import io.tinykv.txn.mvcc.CommittedWrite;
import io.tinykv.txn.mvcc.KeyCodec;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.LockKind;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.MvccTxn;
import io.tinykv.txn.mvcc.Timestamps;
import io.tinykv.txn.mvcc.TxnRecord;
import io.tinykv.txn.mvcc.Write;
import io.tinykv.txn.mvcc.WriteKind;
import java.util.Optional;

/**
 * The per-key steps several commands share (TiKV's {@code txn::actions}): find the transaction's
 * own lock on a key, commit a key, roll a key back, clean up a key. Each reads the snapshot and buffers its writes in the transaction of
 * the start ts it acts for.
 */
final class TxnActions {

    private TxnActions() {}

    /**
     * The lock on {@code key} when it is {@code txn}'s own; empty when the key is unlocked or
     * locked by another transaction.
     */
    static Optional<Lock> ownLock(MvccReader snapshot, MvccTxn txn, byte[] key) {
        return snapshot.lock(key).filter(lock -> lock.startTs() == txn.startTs());
    }

    /**
     * Commits {@code key} for {@code txn} at {@code commitTs}. Idempotent: a key whose lock is gone
     * but whose commit record is there is already committed.
     *
     * @throws KeyErrorException retryable when the lock is gone and the transaction is not
     *     committed (rolled back, or never prewritten here); commit_ts_expired below the lock's
     *     min commit ts
     */
    static void commit(MvccReader snapshot, MvccTxn txn, byte[] key, long commitTs) {
        long startTs = txn.startTs();
        Optional<Lock> own = ownLock(snapshot, txn, key);
        if (own.isPresent()) {
            Lock lock = own.get();
            if (Timestamps.before(commitTs, lock.minCommitTs())) {
                throw new KeyErrorException(KeyErrors.commitTsExpired(startTs, commitTs, key, lock.minCommitTs()));
            }
            Write record = lock.toCommitRecord();
            Optional<CommittedWrite> sameKey = snapshot.writeAt(key, commitTs);
            if (sameKey.isPresent()) {
                // Only a rollback of the transaction that started at our commit ts can sit there
                // (timestamps are unique); keep it alive as a flag on our record.
                if (sameKey.get().kind() != WriteKind.ROLLBACK) {
                    throw new KeyErrorException(KeyErrors.abort("commit ts " + Timestamps.format(commitTs)
                            + " of txn " + Timestamps.format(startTs) + " collides with "
                            + sameKey.get().write()
                            + " on key " + KeyCodec.hex(key)));
                }
                record = record.withOverlappedRollback();
            }
            txn.putWrite(key, commitTs, record);
            txn.deleteLock(key);
            return;
        }
        TxnRecord record = snapshot.currentWrite(key, startTs);
        if (record.isCommitted()) {
            return;
        }
        Optional<Lock> other = snapshot.lock(key);
        throw new KeyErrorException(KeyErrors.retryable("txn lock not found: txn " + Timestamps.format(startTs)
                + " has no lock on key " + KeyCodec.hex(key)
                + (record.isRolledBack() ? " (it was rolled back)" : "")
                + (other.isPresent()
                        ? "; the key is locked by txn "
                                + Timestamps.format(other.get().startTs())
                        : "")));
    }

    /**
     * Rolls back or cleans up {@code key} for {@code txn}.
     *
     * @param currentTs 0 to roll back unconditionally; otherwise the transaction's own lock is
     *     rolled back only if its TTL has expired at this ts
     * @throws KeyErrorException locked when the lock is still alive at {@code currentTs}
     * @throws CommittedException when the transaction committed this key
     */
    static void cleanup(MvccReader snapshot, MvccTxn txn, byte[] key, long currentTs) {
        Optional<Lock> own = ownLock(snapshot, txn, key);
        if (own.isPresent()) {
            Lock lock = own.get();
            if (currentTs != 0 && !Timestamps.lockExpired(lock.startTs(), lock.ttlMillis(), currentTs)) {
                throw new KeyErrorException(KeyErrors.locked(lock.toLockInfo(key)));
            }
            rollbackLock(snapshot, txn, key, lock);
            return;
        }
        rollbackMissingLock(snapshot, txn, key);
    }

    /** Removes the transaction's own {@code lock} from {@code key} and leaves a rollback record. */
    static void rollbackLock(MvccReader snapshot, MvccTxn txn, byte[] key, Lock lock) {
        if (lock.startTs() != txn.startTs()) {
            throw new IllegalArgumentException("rolling back lock of txn " + Timestamps.format(lock.startTs())
                    + " as txn " + Timestamps.format(txn.startTs()));
        }
        TxnRecord record = snapshot.currentWrite(key, txn.startTs());
        if (record.isCommitted()) {
            // A committed transaction leaves no lock behind; both at once means the data is broken.
            throw new KeyErrorException(KeyErrors.abort("inconsistent data: key " + KeyCodec.hex(key)
                    + " has both a lock and a commit record of txn " + Timestamps.format(txn.startTs())));
        }
        if (record instanceof TxnRecord.None none) {
            if (lock.kind() == LockKind.PUT && !lock.hasShortValue()) {
                txn.deleteValue(key);
            }
            writeRollbackRecord(txn, key, none.overlapped());
        }
        txn.deleteLock(key);
    }

    /**
     * The transaction has no lock on {@code key}: leave a rollback record (unless one is there),
     * so that a prewrite arriving late cannot resurrect it.
     *
     * @throws CommittedException when the transaction committed this key
     */
    static void rollbackMissingLock(MvccReader snapshot, MvccTxn txn, byte[] key) {
        TxnRecord record = snapshot.currentWrite(key, txn.startTs());
        switch (record) {
            case TxnRecord.Found found
            when !found.isRollback() ->
                throw new CommittedException(key, txn.startTs(), found.record().commitTs());
            case TxnRecord.None none -> writeRollbackRecord(txn, key, none.overlapped());
            default -> {
                // Already rolled back.
            }
        }
    }

    /**
     * Writes the rollback record at {@code (key, startTs)}; if another transaction committed at
     * exactly that ts, its record stays and carries the rollback as a flag.
     */
    private static void writeRollbackRecord(MvccTxn txn, byte[] key, CommittedWrite overlapped) {
        if (overlapped == null) {
            txn.putWrite(key, txn.startTs(), Write.rollback(txn.startTs()));
        } else if (!overlapped.write().overlappedRollback()) {
            txn.putWrite(key, overlapped.commitTs(), overlapped.write().withOverlappedRollback());
        }
    }
}
