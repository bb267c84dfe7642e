package io.tinykv.storage;

import com.google.protobuf.Parser;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.Snapshot;

/**
 * A consistent view of one engine over a RocksDB snapshot, in raw engine keys (see {@link Keys};
 * {@link UserKeyReader} is the user-key view). Gets and iterators all see the engine exactly as
 * it was when the snapshot was taken, however long they live and whatever is written meanwhile.
 *
 * <p>Thread-safe: {@link #get} may be called from several threads; each iterator is used by one
 * thread at a time. Closing the reader closes the iterators still open on it; closing it while
 * another thread uses it makes that thread's next call fail cleanly, never crash.
 */
public final class SnapshotReader implements StorageReader {

    private final Engine engine;
    private final Snapshot snapshot;
    private final ReadOptions getOptions;
    private final Set<RocksKvIterator> openIterators = ConcurrentHashMap.newKeySet();
    /**
     * Calls hold its read lock (inside the engine's read lock); {@link #close} holds its write
     * lock, so the snapshot is never released under a running call. Engine close needs no lock
     * here: it holds the engine's write lock, which already excludes every call.
     */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    /** Written under the write lock of this reader or of the engine. */
    private volatile boolean closed;

    SnapshotReader(Engine engine, Snapshot snapshot) {
        this.engine = engine;
        this.snapshot = snapshot;
        this.getOptions = RocksDbOptions.readOptions(snapshot);
    }

    public Engine engine() {
        return engine;
    }

    /** The sequence number of the snapshot: writes numbered above it are invisible here. */
    public long sequenceNumber() {
        return guarded("snapshot sequence number", snapshot::getSequenceNumber);
    }

    @Override
    public byte[] get(Cf cf, byte[] key) {
        ColumnFamilyHandle handle = engine.handle(cf);
        return guarded("get", () -> engine.db().get(handle, getOptions, key));
    }

    /**
     * The value of {@code key} parsed as a protobuf message, or {@code null} when absent.
     *
     * @throws StorageException when the stored bytes do not parse (the record is corrupt)
     */
    public <T> T getMessage(Cf cf, byte[] key, Parser<T> parser) {
        byte[] bytes = get(cf, key);
        return bytes == null ? null : engine.parse(bytes, parser, cf, key);
    }

    /** An iterator over the whole column family. */
    @Override
    public KvIterator iterator(Cf cf) {
        return iterator(cf, null, null);
    }

    /**
     * An iterator over the keys of {@code cf} in {@code [lowerBound, upperBound)}. A null or empty
     * bound is no bound. Seeks outside the range land on its edges; the iterator never shows a
     * key outside it, which also spares RocksDB from reading past it (e.g. a region's end).
     */
    public KvIterator iterator(Cf cf, byte[] lowerBound, byte[] upperBound) {
        ColumnFamilyHandle handle = engine.handle(cf);
        byte[] lower = lowerBound == null || lowerBound.length == 0 ? null : lowerBound.clone();
        byte[] upper = upperBound == null || upperBound.length == 0 ? null : upperBound.clone();
        return guarded("new iterator", () -> {
            RocksKvIterator iterator = RocksKvIterator.open(this, handle, snapshot, lower, upper);
            openIterators.add(iterator);
            return iterator;
        });
    }

    @Override
    public void close() {
        engine.releaseIfOpen(() -> {
            lifecycle.writeLock().lock();
            try {
                releaseNative();
            } finally {
                lifecycle.writeLock().unlock();
            }
        });
        engine.forget(this);
    }

    // ---- package-private ----

    /**
     * Runs {@code call} while both the engine and this reader are guaranteed to stay open.
     *
     * @throws IllegalStateException when either is closed
     */
    <T> T guarded(String operation, Engine.RocksCall<T> call) {
        return engine.guarded(operation, () -> {
            lifecycle.readLock().lock();
            try {
                if (closed) {
                    throw new IllegalStateException(
                            "snapshot reader of the " + engine + " is closed (" + operation + ")");
                }
                return call.call();
            } finally {
                lifecycle.readLock().unlock();
            }
        });
    }

    /** Closes {@code iterator} unless this reader (or the engine) already released it. */
    void closeIterator(RocksKvIterator iterator) {
        engine.releaseIfOpen(() -> {
            lifecycle.readLock().lock();
            try {
                if (!closed) {
                    iterator.releaseNative();
                }
            } finally {
                lifecycle.readLock().unlock();
            }
        });
        openIterators.remove(iterator);
    }

    /** Frees the iterators, the read options and the snapshot; idempotent; see {@link #lifecycle}. */
    void releaseNative() {
        if (closed) {
            return;
        }
        closed = true;
        for (RocksKvIterator iterator : List.copyOf(openIterators)) {
            iterator.releaseNative();
        }
        openIterators.clear();
        getOptions.close();
        engine.db().releaseSnapshot(snapshot);
    }
}
