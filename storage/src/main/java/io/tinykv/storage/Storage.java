package io.tinykv.storage;

import io.tinykv.proto.Kvrpcpb;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The kv engine as the API layer sees it, whether on one machine ({@code StandaloneStorage}) or
 * replicated through Raft ({@code RaftStorage}). The context routes the call to a region;
 * standalone storage ignores it.
 */
public interface Storage extends AutoCloseable {

    /**
     * Applies {@code batch} atomically and durably: when this returns, the change survives a crash.
     * The {@code Modify} arrays are handed over: an implementation may keep them without copying,
     * so the caller must not change them afterwards.
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

    /**
     * {@link #write} without holding the caller's thread while the write is replicated. The future
     * settles the write's fate: it completes once the write is applied, or fails once the write can
     * no longer apply (refused, overtaken in the log, its replica gone). It never fails merely
     * because the write takes long: a caller holding latches or memory locks for the write releases
     * them on this future, and bounds only its answer to a client ({@link AnswerDeadline}). A
     * synchronous {@link #write} may give up waiting instead.
     * Dependent stages may run on the thread that completes it (in {@code RaftStorage}, the Raft
     * thread): keep them short and never blocking. The {@code Modify} arrays are handed over, as for
     * {@link #write}.
     *
     * <p>This default writes on the calling thread; storages that wait for something override it.
     */
    default CompletableFuture<Void> writeAsync(Kvrpcpb.Context ctx, List<Modify> batch) {
        try {
            write(ctx, batch);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * {@link #reader} without holding the caller's thread while leadership is confirmed. The
     * completed reader belongs to whoever takes it: a caller that no longer wants it must close it.
     * The same caution about where dependent stages run applies as for {@link #writeAsync}.
     */
    default CompletableFuture<StorageReader> readerAsync(Kvrpcpb.Context ctx) {
        try {
            return CompletableFuture.completedFuture(reader(ctx));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    void close();
}
