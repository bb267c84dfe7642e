package io.tinykv.txn.mvcc;

import io.tinykv.proto.MemComparableCodec;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.ResponseBudget;
import io.tinykv.storage.StorageReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Walks the user keys of a range in the {@code lock} and {@code write} column families side by
 * side. A key can have a lock and no commit record yet (its first version is being written) or
 * commit records and no lock, so the next key is the smaller (larger, in reverse) of the two
 * cursors. All comparisons are on encoded user keys, whose order is the order of raw keys.
 */
final class MvccScanner {

    private final MvccReader reader;
    private final StorageReader snapshot;
    private final ReadView view;
    private final boolean keyOnly;
    private final byte[] encodedLower;
    /** Exclusive; {@code null} when unbounded. */
    private final byte[] encodedUpper;

    MvccScanner(MvccReader reader, StorageReader snapshot, KeyRange range, ReadView view, boolean keyOnly) {
        this.reader = reader;
        this.snapshot = snapshot;
        this.view = view;
        this.keyOnly = keyOnly;
        this.encodedLower = range.encodedStart();
        this.encodedUpper = range.encodedEnd();
    }

    /** Up to {@code limit} entries; each is charged to {@code budget} before it is kept. */
    List<ScanEntry> scan(int limit, boolean reverse, ResponseBudget budget) {
        List<ScanEntry> out = new ArrayList<>();
        if (limit <= 0) {
            return out;
        }
        try (KvIterator locks = snapshot.iterator(Cf.LOCK);
                KvIterator writes = snapshot.iterator(Cf.WRITE)) {
            if (reverse) {
                positionAtUpper(locks);
                positionAtUpper(writes);
            } else {
                locks.seek(encodedLower);
                writes.seek(encodedLower);
            }
            while (out.size() < limit) {
                byte[] lockKey = inRange(locks.valid() ? locks.key() : null);
                byte[] writeKey = inRange(writes.valid() ? userPart(writes.key()) : null);
                if (lockKey == null && writeKey == null) {
                    break;
                }
                byte[] current = pick(lockKey, writeKey, reverse);
                emit(current, Arrays.equals(current, lockKey) ? locks.value() : null, out, budget);
                if (Arrays.equals(current, lockKey)) {
                    if (reverse) {
                        locks.prev();
                    } else {
                        locks.next();
                    }
                }
                if (Arrays.equals(current, writeKey)) {
                    skipVersions(writes, current, reverse);
                }
            }
        }
        return out;
    }

    private void emit(byte[] encodedKey, byte[] lockBytes, List<ScanEntry> out, ResponseBudget budget) {
        byte[] key = KeyCodec.decode(encodedKey);
        if (lockBytes != null) {
            Lock lock = Lock.parse(lockBytes);
            if (view.isBlockedBy(lock, key)) {
                budget.chargePair(key, lock.primary());
                out.add(new ScanEntry.Locked(key, lock));
                return;
            }
        }
        Optional<CommittedWrite> visible = reader.visibleWrite(key, view.readTs());
        if (visible.isPresent() && visible.get().kind() == WriteKind.PUT) {
            byte[] value = keyOnly ? null : reader.loadValue(key, visible.get().write());
            budget.chargePair(key, value);
            out.add(new ScanEntry.Value(key, value));
        }
    }

    /** Places {@code it} on the last key below the upper bound. */
    private void positionAtUpper(KvIterator it) {
        if (encodedUpper == null) {
            it.seekToLast();
            return;
        }
        it.seekForPrev(encodedUpper);
        if (it.valid() && Arrays.equals(it.key(), encodedUpper)) {
            it.prev();
        }
    }

    /** Moves the write cursor past every version of {@code encodedKey}. */
    private static void skipVersions(KvIterator writes, byte[] encodedKey, boolean reverse) {
        if (reverse) {
            // Every version of the key sorts after the bare encoded key.
            writes.seekForPrev(encodedKey);
        } else {
            // The oldest possible version (ts 0, inverted: all ones) is the last one of the key.
            writes.seek(MvccKey.appendTs(encodedKey, 0));
            if (writes.valid() && MvccKey.isVersionOf(writes.key(), encodedKey)) {
                writes.next();
            }
        }
    }

    private static byte[] userPart(byte[] writeKey) {
        if (writeKey.length < MemComparableCodec.ENCODED_GROUP_SIZE + MvccKey.TS_BYTES) {
            throw new CorruptRecordException(
                    "write column family key too short: " + KeyCodec.hex(writeKey, writeKey.length));
        }
        return Arrays.copyOf(writeKey, writeKey.length - MvccKey.TS_BYTES);
    }

    private byte[] inRange(byte[] encodedKey) {
        if (encodedKey == null) {
            return null;
        }
        if (Arrays.compareUnsigned(encodedKey, encodedLower) < 0) {
            return null;
        }
        if (encodedUpper != null && Arrays.compareUnsigned(encodedKey, encodedUpper) >= 0) {
            return null;
        }
        return encodedKey;
    }

    private static byte[] pick(byte[] a, byte[] b, boolean reverse) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        int c = Arrays.compareUnsigned(a, b);
        return (reverse ? c >= 0 : c <= 0) ? a : b;
    }
}
