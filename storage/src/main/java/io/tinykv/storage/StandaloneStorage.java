package io.tinykv.storage;

import io.tinykv.proto.Kvrpcpb;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * {@link Storage} on one store without replication: the kv engine is the only copy of the data,
 * so every write is synced before it is acknowledged. The region context is ignored. Thread-safe:
 * RocksDB serializes writes and snapshots are independent, so gRPC threads may call it at once.
 *
 * <p>A failed write stops the process ({@link ProcessHalter}, fail-stop): answering "storage
 * error" and serving on would let a later write succeed over a WAL that lost an earlier one. When
 * the halter returns (tests), every later write is refused.
 */
public final class StandaloneStorage implements Storage {

    private final Engines engines;
    private final ProcessHalter halter;
    /** The first write failure; from then on writes are refused. */
    private volatile Throwable writeFailure;

    /** Takes ownership of {@code engines}: closing this storage closes them. Halts the JVM on a failed write. */
    public StandaloneStorage(Engines engines) {
        this(engines, ProcessHalter.RUNTIME);
    }

    /** Takes ownership of {@code engines}; a failed write goes to {@code halter}. */
    public StandaloneStorage(Engines engines, ProcessHalter halter) {
        this.engines = Objects.requireNonNull(engines, "engines");
        this.halter = Objects.requireNonNull(halter, "halter");
    }

    /**
     * Opens the engines under {@code dataDir} and serves them.
     *
     * @throws StorageException when the engines cannot be opened
     */
    public static StandaloneStorage open(Path dataDir, EngineConfig config) {
        return new StandaloneStorage(Engines.open(dataDir, config));
    }

    public Engines engines() {
        return engines;
    }

    /**
     * Writes {@code batch} as one synced kv-engine write batch: all of it, durably, or none.
     *
     * @throws StorageException when an earlier write failed (the process is being halted)
     */
    @Override
    public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
        Objects.requireNonNull(batch, "batch");
        Throwable failed = writeFailure;
        if (failed != null) {
            throw new StorageException(
                    "writes are refused after a failed write (fail-stop): " + failed.getMessage(), failed);
        }
        if (batch.isEmpty()) {
            return;
        }
        Engine kv = engines.kv();
        try (EngineWriteBatch writeBatch = kv.newWriteBatch()) {
            writeBatch.addUserModifies(batch);
            try {
                kv.write(writeBatch, true);
            } catch (StorageException e) {
                writeFailure = e;
                throw halter.halt("standalone write to the " + kv, e);
            }
        }
    }

    /** A snapshot of the kv engine in user keys, taken now. */
    @Override
    public StorageReader reader(Kvrpcpb.Context ctx) {
        return new UserKeyReader(engines.kv().snapshot());
    }

    @Override
    public void close() {
        engines.close();
    }
}
