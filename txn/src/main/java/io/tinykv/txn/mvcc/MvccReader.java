package io.tinykv.txn.mvcc;

import io.tinykv.proto.MemComparableCodec;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.ResponseBudget;
import io.tinykv.storage.StorageReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Reads the MVCC view of one consistent snapshot: locks, commit records and values of user keys.
 * Single-threaded; it owns the snapshot and closes it.
 */
public final class MvccReader implements AutoCloseable {

    private final StorageReader snapshot;
    private final NavigableMap<byte[], Lock> memoryLocks;
    private KvIterator writeIterator;

    public MvccReader(StorageReader snapshot) {
        this(snapshot, Collections.emptyNavigableMap());
    }

    /**
     * @param memoryLocks locks of one-phase prewrites under way when the read began (taken before
     *     the snapshot, see {@code ConcurrencyManager}); they hide whatever the snapshot holds for
     *     their keys
     */
    public MvccReader(StorageReader snapshot, NavigableMap<byte[], Lock> memoryLocks) {
        this.snapshot = snapshot;
        this.memoryLocks = memoryLocks;
    }

    /** The lock on {@code key}, if any: a memory lock first, else the snapshot's. */
    public Optional<Lock> lock(byte[] key) {
        Lock memory = memoryLocks.isEmpty() ? null : memoryLocks.get(key);
        if (memory != null) {
            return Optional.of(memory);
        }
        byte[] bytes = snapshot.get(Cf.LOCK, MemComparableCodec.encode(key));
        return bytes == null ? Optional.empty() : Optional.of(Lock.parse(bytes));
    }

    /** The memory locks this read was given (see the constructor). */
    public NavigableMap<byte[], Lock> memoryLocks() {
        return memoryLocks;
    }

    /** The leader term the snapshot was taken in; 0 when not known to come from a leader. */
    public long leaderTerm() {
        return snapshot.leaderTerm();
    }

    /** The newest commit record of {@code key} with commit ts at or below {@code ts}, of any kind. */
    public Optional<CommittedWrite> seekWrite(byte[] key, long ts) {
        byte[] encodedKey = MemComparableCodec.encode(key);
        KvIterator it = writes();
        it.seek(MvccKey.appendTs(encodedKey, ts));
        if (!it.valid() || !MvccKey.isVersionOf(it.key(), encodedKey)) {
            return Optional.empty();
        }
        return Optional.of(new CommittedWrite(MvccKey.tsOf(it.key()), Write.parse(it.value())));
    }

    /** The newest commit record of {@code key}, whatever its timestamp and kind. */
    public Optional<CommittedWrite> mostRecentWrite(byte[] key) {
        return seekWrite(key, Timestamps.MAX);
    }

    /** The commit record stored at exactly {@code (key, commitTs)}. */
    public Optional<CommittedWrite> writeAt(byte[] key, long commitTs) {
        byte[] bytes = snapshot.get(Cf.WRITE, MvccKey.encode(key, commitTs));
        return bytes == null ? Optional.empty() : Optional.of(new CommittedWrite(commitTs, Write.parse(bytes)));
    }

    /**
     * What became of the transaction started at {@code startTs} on {@code key}: its commit record,
     * its rollback, or nothing. Only records with commit ts at or above the start ts can belong to
     * it, so the walk stops below.
     */
    public TxnRecord currentWrite(byte[] key, long startTs) {
        long seekTs = Timestamps.MAX;
        while (true) {
            Optional<CommittedWrite> found = seekWrite(key, seekTs);
            if (found.isEmpty()) {
                return new TxnRecord.None(null);
            }
            CommittedWrite cw = found.get();
            if (cw.write().startTs() == startTs) {
                return new TxnRecord.Found(cw);
            }
            if (cw.commitTs() == startTs) {
                return cw.write().overlappedRollback()
                        ? new TxnRecord.OverlappedRollback(cw.commitTs())
                        : new TxnRecord.None(cw);
            }
            if (Timestamps.before(cw.commitTs(), startTs) || cw.commitTs() == 0) {
                return new TxnRecord.None(null);
            }
            seekTs = cw.commitTs() - 1;
        }
    }

    /**
     * Whether the transaction started at {@code startTs}, whose primary is {@code primary}, can no
     * longer commit at or below {@code ts} as its primary shows in this snapshot: its lock there
     * carries a min commit ts above {@code ts} (a commit below a lock's min commit ts is refused,
     * and pushes only raise it), or it committed above {@code ts}, or it was rolled back. A primary
     * with none of these (not yet prewritten, or its lock not pushed far enough) proves nothing.
     */
    public boolean cannotCommitAtOrBelow(byte[] primary, long startTs, long ts) {
        Optional<Lock> primaryLock = lock(primary);
        if (primaryLock.isPresent() && primaryLock.get().startTs() == startTs) {
            return Timestamps.after(primaryLock.get().minCommitTs(), ts);
        }
        TxnRecord record = currentWrite(primary, startTs);
        if (record instanceof TxnRecord.Found found && !found.isRollback()) {
            return Timestamps.after(found.record().commitTs(), ts);
        }
        return record.isRolledBack();
    }

    /**
     * The newest Put or Delete of {@code key} committed at or below {@code ts}; Lock and Rollback
     * records change no data and are passed over.
     */
    public Optional<CommittedWrite> visibleWrite(byte[] key, long ts) {
        byte[] encodedKey = MemComparableCodec.encode(key);
        KvIterator it = writes();
        for (it.seek(MvccKey.appendTs(encodedKey, ts)); it.valid(); it.next()) {
            if (!MvccKey.isVersionOf(it.key(), encodedKey)) {
                return Optional.empty();
            }
            Write write = Write.parse(it.value());
            if (write.kind().isData()) {
                return Optional.of(new CommittedWrite(MvccKey.tsOf(it.key()), write));
            }
        }
        return Optional.empty();
    }

    /** The value of {@code key} a snapshot at {@code ts} sees; empty when absent or deleted. Ignores locks. */
    public Optional<byte[]> valueAt(byte[] key, long ts) {
        return visibleWrite(key, ts).filter(cw -> cw.kind() == WriteKind.PUT).map(cw -> loadValue(key, cw.write()));
    }

    /**
     * The value a Put record stands for: inlined, or in the default column family at the start ts.
     *
     * @throws CorruptRecordException when the default column family lacks the value
     */
    public byte[] loadValue(byte[] key, Write put) {
        if (put.kind() != WriteKind.PUT) {
            throw new IllegalArgumentException("only Put records have values, not " + put);
        }
        if (put.hasShortValue()) {
            return put.shortValue();
        }
        byte[] value = snapshot.get(Cf.DEFAULT, MvccKey.encode(key, put.startTs()));
        if (value == null) {
            throw new CorruptRecordException("value of key " + KeyCodec.hex(key, key.length) + " written at "
                    + Timestamps.format(put.startTs()) + " is missing from the default column family");
        }
        return value;
    }

    /** Locks in {@code range} whose lock satisfies {@code filter}, in key order, at most {@code limit}. */
    public List<LockedKey> scanLocks(KeyRange range, Predicate<Lock> filter, int limit) {
        List<LockedKey> result = new ArrayList<>();
        byte[] encodedEnd = range.encodedEnd();
        try (KvIterator it = snapshot.iterator(Cf.LOCK)) {
            for (it.seek(range.encodedStart()); it.valid() && result.size() < limit; it.next()) {
                if (encodedEnd != null && Arrays.compareUnsigned(it.key(), encodedEnd) >= 0) {
                    break;
                }
                Lock lock = Lock.parse(it.value());
                if (filter.test(lock)) {
                    result.add(new LockedKey(KeyCodec.decode(it.key()), lock));
                }
            }
        }
        return result;
    }

    /**
     * The keys of {@code range} visible to {@code view}, ascending (or descending when
     * {@code reverse}), at most {@code limit}: a value per live key, skipping deleted keys and
     * versions that are rolled back or only locked, and a {@link ScanEntry.Locked} wherever a lock
     * blocks the read.
     *
     * @param keyOnly leave values out (large values are then not even loaded)
     */
    public List<ScanEntry> scan(KeyRange range, ReadView view, int limit, boolean reverse, boolean keyOnly) {
        return scan(range, view, limit, reverse, keyOnly, ResponseBudget.unlimited());
    }

    /**
     * Like {@link #scan(KeyRange, ReadView, int, boolean, boolean)}, charging every entry to
     * {@code budget} before it is kept.
     *
     * @throws ResponseBudget.ResponseTooLargeException once the entries outgrow the budget
     */
    public List<ScanEntry> scan(
            KeyRange range, ReadView view, int limit, boolean reverse, boolean keyOnly, ResponseBudget budget) {
        return new MvccScanner(this, snapshot, range, view, keyOnly).scan(limit, reverse, budget);
    }

    /** The smallest start ts among the locks of {@code range}, if there is any lock. */
    public java.util.OptionalLong oldestLockStartTs(KeyRange range) {
        long[] min = {0};
        boolean[] found = {false};
        scanLocks(
                range,
                lock -> {
                    if (!found[0] || Timestamps.before(lock.startTs(), min[0])) {
                        min[0] = lock.startTs();
                        found[0] = true;
                    }
                    return false;
                },
                1);
        return found[0] ? java.util.OptionalLong.of(min[0]) : java.util.OptionalLong.empty();
    }

    /** Up to {@code limit} commit records of {@code key} with commit ts at or below {@code ts}, newest first. */
    public List<CommittedWrite> versionsAtOrBelow(byte[] key, long ts, int limit) {
        byte[] encodedKey = MemComparableCodec.encode(key);
        List<CommittedWrite> out = new ArrayList<>();
        KvIterator it = writes();
        for (it.seek(MvccKey.appendTs(encodedKey, ts)); it.valid() && out.size() < limit; it.next()) {
            if (!MvccKey.isVersionOf(it.key(), encodedKey)) {
                break;
            }
            out.add(new CommittedWrite(MvccKey.tsOf(it.key()), Write.parse(it.value())));
        }
        return out;
    }

    /** Receives commit records from {@link #scanWrites}. */
    @FunctionalInterface
    public interface WriteVisitor {
        /** @return whether to go on */
        boolean visit(byte[] userKey, CommittedWrite record);
    }

    /**
     * Visits the commit records of {@code range} in engine order (keys ascending, each key's
     * records newest first) until {@code visitor} says stop.
     */
    public void scanWrites(KeyRange range, WriteVisitor visitor) {
        byte[] encodedEnd = range.encodedEnd();
        try (KvIterator it = snapshot.iterator(Cf.WRITE)) {
            for (it.seek(range.encodedStart()); it.valid(); it.next()) {
                if (encodedEnd != null && Arrays.compareUnsigned(it.key(), encodedEnd) >= 0) {
                    return;
                }
                MvccKey version = MvccKey.decode(it.key());
                if (!visitor.visit(version.userKey(), new CommittedWrite(version.ts(), Write.parse(it.value())))) {
                    return;
                }
            }
        }
    }

    private KvIterator writes() {
        if (writeIterator == null) {
            writeIterator = snapshot.iterator(Cf.WRITE);
        }
        return writeIterator;
    }

    @Override
    public void close() {
        try {
            if (writeIterator != null) {
                writeIterator.close();
            }
        } finally {
            snapshot.close();
        }
    }
}
