package io.tinykv.storage;

import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;

/**
 * A {@link KvIterator} over a RocksIterator whose read options are pinned to a snapshot, so it
 * sees the snapshot however long it lives. Owns its read options and bound slices. Used by one
 * thread at a time; every call is checked (positioned, open) so misuse is an exception, not a
 * crash in native code.
 */
final class RocksKvIterator implements KvIterator {

    private final SnapshotReader reader;
    private final ReadOptions readOptions;
    private final Slice lowerBound;
    private final Slice upperBound;
    private final RocksIterator iterator;
    /** Written under the reader's or the engine's lifecycle lock (see SnapshotReader). */
    private volatile boolean closed;

    private RocksKvIterator(
            SnapshotReader reader,
            ReadOptions readOptions,
            Slice lowerBound,
            Slice upperBound,
            RocksIterator iterator) {
        this.reader = reader;
        this.readOptions = readOptions;
        this.lowerBound = lowerBound;
        this.upperBound = upperBound;
        this.iterator = iterator;
    }

    /** Called under the reader's guard; null bounds are no bounds. */
    static RocksKvIterator open(
            SnapshotReader reader, ColumnFamilyHandle handle, Snapshot snapshot, byte[] lower, byte[] upper) {
        ReadOptions options = RocksDbOptions.readOptions(snapshot);
        Slice lowerSlice = null;
        Slice upperSlice = null;
        try {
            if (lower != null) {
                lowerSlice = new Slice(lower);
                options.setIterateLowerBound(lowerSlice);
            }
            if (upper != null) {
                upperSlice = new Slice(upper);
                options.setIterateUpperBound(upperSlice);
            }
            RocksIterator iterator = reader.engine().db().newIterator(handle, options);
            return new RocksKvIterator(reader, options, lowerSlice, upperSlice, iterator);
        } catch (RuntimeException | Error e) {
            options.close();
            if (lowerSlice != null) {
                lowerSlice.close();
            }
            if (upperSlice != null) {
                upperSlice.close();
            }
            throw e;
        }
    }

    @Override
    public void seek(byte[] key) {
        run("seek", () -> iterator.seek(key));
    }

    @Override
    public void seekForPrev(byte[] key) {
        run("seekForPrev", () -> iterator.seekForPrev(key));
    }

    @Override
    public void seekToFirst() {
        run("seekToFirst", iterator::seekToFirst);
    }

    @Override
    public void seekToLast() {
        run("seekToLast", iterator::seekToLast);
    }

    /**
     * Whether the iterator is on a key.
     *
     * @throws StorageException when it stopped because of a read error (e.g. a corrupt block)
     */
    @Override
    public boolean valid() {
        return call("valid", () -> {
            if (iterator.isValid()) {
                return true;
            }
            iterator.status();
            return false;
        });
    }

    @Override
    public void next() {
        runPositioned("next", iterator::next);
    }

    @Override
    public void prev() {
        runPositioned("prev", iterator::prev);
    }

    @Override
    public byte[] key() {
        return callPositioned("key", iterator::key);
    }

    @Override
    public byte[] value() {
        return callPositioned("value", iterator::value);
    }

    @Override
    public void close() {
        reader.closeIterator(this);
    }

    /** Frees the native objects; idempotent; under a lifecycle lock (see SnapshotReader). */
    void releaseNative() {
        if (closed) {
            return;
        }
        closed = true;
        iterator.close();
        readOptions.close();
        if (lowerBound != null) {
            lowerBound.close();
        }
        if (upperBound != null) {
            upperBound.close();
        }
    }

    private void run(String operation, Runnable action) {
        call(operation, () -> {
            action.run();
            return null;
        });
    }

    private void runPositioned(String operation, Runnable action) {
        callPositioned(operation, () -> {
            action.run();
            return null;
        });
    }

    private <T> T callPositioned(String operation, Engine.RocksCall<T> action) {
        return call(operation, () -> {
            if (!iterator.isValid()) {
                throw new IllegalStateException("iterator " + operation + " while not on a key");
            }
            return action.call();
        });
    }

    private <T> T call(String operation, Engine.RocksCall<T> action) {
        return reader.guarded("iterator " + operation, () -> {
            if (closed) {
                throw new IllegalStateException("iterator is closed (" + operation + ")");
            }
            return action.call();
        });
    }
}
