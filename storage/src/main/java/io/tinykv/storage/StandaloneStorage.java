package io.tinykv.storage;

import io.tinykv.proto.Kvrpcpb;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * {@link Storage} on one store without replication: the kv engine is the only copy of the data,
 * so every write is synced before it is acknowledged. The region context is ignored. Thread-safe:
 * RocksDB serializes writes and snapshots are independent, so gRPC threads may call it at once.
 */
public final class StandaloneStorage implements Storage {

    private final Engines engines;

    /** Takes ownership of {@code engines}: closing this storage closes them. */
    public StandaloneStorage(Engines engines) {
        this.engines = Objects.requireNonNull(engines, "engines");
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

    /** Writes {@code batch} as one synced kv-engine write batch: all of it, durably, or none. */
    @Override
    public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
        Objects.requireNonNull(batch, "batch");
        if (batch.isEmpty()) {
            return;
        }
        Engine kv = engines.kv();
        try (EngineWriteBatch writeBatch = kv.newWriteBatch()) {
            writeBatch.addUserModifies(batch);
            kv.write(writeBatch, true);
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
