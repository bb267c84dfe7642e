package io.tinykv.storage;

import com.google.protobuf.MessageLite;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Changes to one engine, collected here and written atomically by
 * {@link Engine#write(EngineWriteBatch, boolean)}. Owns a native RocksDB write batch: always use
 * it in try-with-resources. Not thread-safe.
 *
 * <p>Two vocabularies: {@link #put}, {@link #delete} and {@link #deleteRange} take raw engine keys
 * (local keys from {@link Keys}, or data keys); {@link #addUserModify} takes a {@link Modify} in
 * user keys and stores it under the data prefix, as the {@link Storage} API means it.
 */
public final class EngineWriteBatch implements AutoCloseable {

    private final Engine engine;
    private final WriteBatch batch = new WriteBatch();
    private boolean closed;

    EngineWriteBatch(Engine engine) {
        this.engine = engine;
    }

    /** Sets raw {@code key} in {@code cf} to {@code value}. */
    public EngineWriteBatch put(Cf cf, byte[] key, byte[] value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        var handle = engine.handle(cf);
        guarded("put", () -> batch.put(handle, key, value));
        return this;
    }

    /** Sets raw {@code key} in {@code cf} to the serialized {@code message}. */
    public EngineWriteBatch put(Cf cf, byte[] key, MessageLite message) {
        return put(cf, key, message.toByteArray());
    }

    /** Removes raw {@code key} from {@code cf}; removing an absent key is not an error. */
    public EngineWriteBatch delete(Cf cf, byte[] key) {
        Objects.requireNonNull(key, "key");
        var handle = engine.handle(cf);
        guarded("delete", () -> batch.delete(handle, key));
        return this;
    }

    /**
     * Removes every raw key of {@code cf} in {@code [startKey, endKey)} with one range tombstone.
     * Raw keys have no "unbounded" end: pass an explicit end such as {@link Keys#DATA_MAX_KEY}.
     *
     * @throws IllegalArgumentException when {@code endKey} sorts before {@code startKey}
     */
    public EngineWriteBatch deleteRange(Cf cf, byte[] startKey, byte[] endKey) {
        Objects.requireNonNull(startKey, "startKey");
        Objects.requireNonNull(endKey, "endKey");
        int order = Arrays.compareUnsigned(startKey, endKey);
        if (order > 0) {
            throw new IllegalArgumentException(
                    "delete range end " + Keys.describe(endKey) + " sorts before its start " + Keys.describe(startKey));
        }
        var handle = engine.handle(cf);
        if (order < 0) {
            guarded("deleteRange", () -> batch.deleteRange(handle, startKey, endKey));
        }
        return this;
    }

    /**
     * Adds one user-level change: its keys are user keys and are stored as data keys
     * ({@link Keys#dataKey}); a {@link Modify.DeleteRange} with an empty end key removes to the
     * end of the user key space and never touches local keys.
     *
     * @throws IllegalArgumentException when a delete range's end sorts before its start
     */
    public EngineWriteBatch addUserModify(Modify modify) {
        switch (modify) {
            case Modify.Put put -> put(put.cf(), Keys.dataKey(put.key()), put.value());
            case Modify.Delete delete -> delete(delete.cf(), Keys.dataKey(delete.key()));
            case Modify.DeleteRange range ->
                deleteRange(range.cf(), Keys.dataKey(range.startKey()), Keys.dataEndKey(range.endKey()));
        }
        return this;
    }

    /** {@link #addUserModify} for each change, in order. */
    public EngineWriteBatch addUserModifies(List<Modify> modifies) {
        for (Modify modify : modifies) {
            addUserModify(Objects.requireNonNull(modify, "modify"));
        }
        return this;
    }

    /** Number of operations in the batch. */
    public int count() {
        ensureOpen();
        return batch.count();
    }

    public boolean isEmpty() {
        return count() == 0;
    }

    /** Size of the serialized batch, which is what the WAL will write. */
    public long dataSizeBytes() {
        ensureOpen();
        return batch.getDataSize();
    }

    /** Frees the native batch; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            batch.close();
        }
    }

    // ---- package-private ----

    Engine engine() {
        return engine;
    }

    WriteBatch nativeBatch() {
        ensureOpen();
        return batch;
    }

    private void guarded(String operation, BatchOperation op) {
        ensureOpen();
        // The engine's guard keeps the column family handle alive during the call.
        engine.guarded("write batch " + operation, () -> {
            op.apply();
            return null;
        });
    }

    @FunctionalInterface
    private interface BatchOperation {
        void apply() throws RocksDBException;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("write batch of the " + engine + " is closed");
        }
    }
}
