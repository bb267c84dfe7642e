package io.tinykv.storage;

import io.tinykv.proto.Kvrpcpb;
import java.util.List;

/**
 * The kv engine as the API layer sees it, whether on one machine ({@code StandaloneStorage}) or
 * replicated through Raft ({@code RaftStorage}). The context routes the call to a region;
 * standalone storage ignores it.
 */
public interface Storage extends AutoCloseable {

    /**
     * Applies {@code batch} atomically and durably: when this returns, the change survives a crash.
     *
     * @throws RegionException when the region context does not match this store's view
     * @throws StorageException when the engine fails
     */
    void write(Kvrpcpb.Context ctx, List<Modify> batch);

    /**
     * A snapshot of the kv engine that reflects every write acknowledged before this call.
     *
     * @throws RegionException when the region context does not match this store's view
     */
    StorageReader reader(Kvrpcpb.Context ctx);

    @Override
    void close();
}
