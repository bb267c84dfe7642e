package io.tinykv.txn.mvcc;

import io.tinykv.proto.MemComparableCodec;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Modify;
import java.util.ArrayList;
import java.util.List;

/**
 * The writes one transactional command makes on behalf of the transaction started at
 * {@code startTs}, buffered until the command has checked everything and hands them to
 * {@code Storage.write} as one atomic batch. Owned by one command on one thread.
 */
public final class MvccTxn {

    private final long startTs;
    private final List<Modify> modifies = new ArrayList<>();

    public MvccTxn(long startTs) {
        this.startTs = startTs;
    }

    public long startTs() {
        return startTs;
    }

    public void putLock(byte[] key, Lock lock) {
        if (lock.startTs() != startTs) {
            throw new IllegalArgumentException("lock of txn " + Timestamps.format(lock.startTs()) + " written by txn "
                    + Timestamps.format(startTs));
        }
        modifies.add(new Modify.Put(Cf.LOCK, MemComparableCodec.encode(key), lock.toBytes()));
    }

    public void deleteLock(byte[] key) {
        modifies.add(new Modify.Delete(Cf.LOCK, MemComparableCodec.encode(key)));
    }

    /** Stores a value too large to inline, at this transaction's start ts. */
    public void putValue(byte[] key, byte[] value) {
        modifies.add(new Modify.Put(Cf.DEFAULT, MvccKey.encode(key, startTs), value));
    }

    public void deleteValue(byte[] key) {
        modifies.add(new Modify.Delete(Cf.DEFAULT, MvccKey.encode(key, startTs)));
    }

    /** Writes {@code write} at {@code (key, commitTs)}; for a rollback record commitTs is the start ts. */
    public void putWrite(byte[] key, long commitTs, Write write) {
        modifies.add(new Modify.Put(Cf.WRITE, MvccKey.encode(key, commitTs), write.toBytes()));
    }

    public boolean isEmpty() {
        return modifies.isEmpty();
    }

    /** The buffered writes, in the order they were made. */
    public List<Modify> modifies() {
        return List.copyOf(modifies);
    }
}
