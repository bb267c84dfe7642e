package io.tinykv.txn.testing;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Modify;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import io.tinykv.txn.mvcc.CommittedWrite;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.LockKind;
import io.tinykv.txn.mvcc.MvccKey;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.Write;
import io.tinykv.txn.mvcc.WriteKind;
import java.util.List;
import java.util.Optional;

/** Writes raw MVCC state into a storage and reads it back, for tests (like TinyKV's test builder). */
public final class MvccFixture {

    public static final Kvrpcpb.Context CTX = Kvrpcpb.Context.getDefaultInstance();

    private final Storage storage;

    public MvccFixture(Storage storage) {
        this.storage = storage;
    }

    public Storage storage() {
        return storage;
    }

    public static byte[] key(int... bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = (byte) bytes[i];
        }
        return out;
    }

    public MvccFixture value(byte[] key, long startTs, byte[] value) {
        storage.write(CTX, List.of(new Modify.Put(Cf.DEFAULT, MvccKey.encode(key, startTs), value)));
        return this;
    }

    public MvccFixture write(byte[] key, long commitTs, Write write) {
        storage.write(CTX, List.of(new Modify.Put(Cf.WRITE, MvccKey.encode(key, commitTs), write.toBytes())));
        return this;
    }

    /** A committed Put whose value lives in the default column family. */
    public MvccFixture committedPut(byte[] key, long startTs, long commitTs, byte[] value) {
        value(key, startTs, value);
        return write(key, commitTs, new Write(WriteKind.PUT, startTs, null));
    }

    public MvccFixture committedDelete(byte[] key, long startTs, long commitTs) {
        return write(key, commitTs, new Write(WriteKind.DELETE, startTs, null));
    }

    public MvccFixture lock(byte[] key, Lock lock) {
        storage.write(CTX, List.of(new Modify.Put(Cf.LOCK, MemComparableCodec.encode(key), lock.toBytes())));
        return this;
    }

    /** A prewritten Put whose value lives in the default column family. */
    public MvccFixture prewrittenPut(byte[] key, byte[] primary, long startTs, long ttlMillis, byte[] value) {
        value(key, startTs, value);
        return lock(key, new Lock(LockKind.PUT, primary, startTs, ttlMillis, 0, 1, null));
    }

    public MvccFixture rawPut(Cf cf, byte[] engineKey, byte[] value) {
        storage.write(CTX, List.of(new Modify.Put(cf, engineKey, value)));
        return this;
    }

    public MvccReader reader() {
        return new MvccReader(storage.reader(CTX));
    }

    public Optional<Lock> lockOf(byte[] key) {
        try (MvccReader r = reader()) {
            return r.lock(key);
        }
    }

    public Optional<CommittedWrite> writeAt(byte[] key, long commitTs) {
        try (MvccReader r = reader()) {
            return r.writeAt(key, commitTs);
        }
    }

    public byte[] rawValue(byte[] key, long startTs) {
        try (StorageReader r = storage.reader(CTX)) {
            return r.get(Cf.DEFAULT, MvccKey.encode(key, startTs));
        }
    }

    /** Number of entries in {@code cf}. */
    public int count(Cf cf) {
        int n = 0;
        try (StorageReader r = storage.reader(CTX);
                KvIterator it = r.iterator(cf)) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                n++;
            }
        }
        return n;
    }

    /** Entries in (default, lock, write), like TinyKV's assertLens. */
    public List<Integer> counts() {
        return List.of(count(Cf.DEFAULT), count(Cf.LOCK), count(Cf.WRITE));
    }
}
