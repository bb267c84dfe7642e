package io.tinykv.raftstore;

import com.google.protobuf.UnsafeByteOperations;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.RaftCmdpb.CmdType;
import io.tinykv.proto.RaftCmdpb.DeleteRangeRequest;
import io.tinykv.proto.RaftCmdpb.DeleteRequest;
import io.tinykv.proto.RaftCmdpb.PutRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.proto.RaftCmdpb.SnapRequest;
import io.tinykv.raftstore.read.FollowerReads;
import io.tinykv.raftstore.read.RegionReader;
import io.tinykv.storage.AnswerDeadline;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageException;
import io.tinykv.storage.StorageReader;
import io.tinykv.storage.UserKeyReader;
import io.tinykv.storage.space.DiskSpaceGuard;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * {@link Storage} replicated through Raft: a write is proposed to the region's leader and returns
 * once it is applied; a reader is a kv-engine snapshot taken once this peer is known to lead and to
 * have applied everything acknowledged before the call (at once while its leader lease holds,
 * else after a ReadIndex round), limited to the region's keys
 * ({@link RegionReader}). A reader whose context sets {@code replica_read} may come from a
 * follower, which takes the same kind of snapshot once it has applied the leader's read index
 * ({@link FollowerReads}). Region errors come back as
 * {@link RegionException}s carrying the {@code errorpb.Error} for the client.
 *
 * <p>This is the store's write edge for clients: while the disk is under its reserve, the
 * {@link DiskSpaceGuard} refuses writes here with {@code disk_full} before anything is proposed.
 * Nothing else is held back: reads, the scheduler's admin commands, and the Raft log appends and
 * applies of entries already accepted go on, in the space the reserve keeps for them.
 *
 * <p>Thread-safe: called from the API threads. {@link #writeAsync} and {@link #readerAsync} hold no
 * thread while Raft works: their futures complete from the Raft command's callback; {@link #write}
 * and {@link #reader} wait for them on the caller's thread, never on the Raft thread.
 */
public final class RaftStorage implements Storage {

    private final RaftStore store;
    private final DiskSpaceGuard diskSpace;
    /** The command timeout: bounds reads here and the answers of {@link #write}. */
    private final AnswerDeadline answerDeadline;

    /** Without a disk space guard. */
    public RaftStorage(RaftStore store, Duration commandTimeout) {
        this(store, new AnswerDeadline(commandTimeout), DiskSpaceGuard.unguarded());
    }

    /**
     * @param commandTimeout how long a command may wait for Raft before ServerIsBusy is returned
     * @param diskSpace refuses client writes while the store's disk is nearly full
     */
    public RaftStorage(RaftStore store, Duration commandTimeout, DiskSpaceGuard diskSpace) {
        this(store, new AnswerDeadline(commandTimeout), diskSpace);
    }

    /**
     * @param answerDeadline the store's command timeout, shared with the API that answers its
     *     clients (one queue of pending answers per store)
     * @param diskSpace refuses client writes while the store's disk is nearly full
     */
    public RaftStorage(RaftStore store, AnswerDeadline answerDeadline, DiskSpaceGuard diskSpace) {
        this.store = Objects.requireNonNull(store, "store");
        this.answerDeadline = Objects.requireNonNull(answerDeadline, "answerDeadline");
        this.diskSpace = Objects.requireNonNull(diskSpace, "diskSpace");
    }

    /**
     * Waits at most the command timeout, then fails with {@code server_is_busy}; the write may
     * still apply after that (a caller that must know holds its latches on {@link #writeAsync}).
     */
    @Override
    public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
        await(answerDeadline.bound(writeAsync(ctx, batch), ctx, "raft write"));
    }

    @Override
    public StorageReader reader(Kvrpcpb.Context ctx) {
        return await(readerAsync(ctx));
    }

    /**
     * Proposes the batch; completes once it is applied, from the thread that applied it, or fails
     * once it cannot apply: refused before the log, overtaken by another leader's entry, or its
     * peer destroyed (the raftstore answers every command on each of those paths). No timeout: an
     * entry that is in the log may commit however long that takes, and latches held on this
     * future must outlast it.
     */
    @Override
    public CompletableFuture<Void> writeAsync(Kvrpcpb.Context ctx, List<Modify> batch) {
        Objects.requireNonNull(ctx, "ctx");
        Objects.requireNonNull(batch, "batch");
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            diskSpace.checkWrite(store.storeId(), ctx, batch);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        RaftCmdRequest.Builder request = RaftCmdRequest.newBuilder().setHeader(header(ctx));
        for (Modify modify : batch) {
            request.addRequests(toRequest(modify));
        }
        return untimedCallAsync(request.build()).thenApply(result -> {
            if (result.snapshot() != null) {
                result.snapshot().close();
            }
            return null;
        });
    }

    /**
     * A reader once this peer may serve one; a reader that arrives after its waiter gave up
     * (timeout) is closed here, never leaked.
     */
    @Override
    public CompletableFuture<StorageReader> readerAsync(Kvrpcpb.Context ctx) {
        // replica_read: a follower may answer, once it has applied the leader's read index.
        RaftCmdRequest request = RaftCmdRequest.newBuilder()
                .setHeader(header(ctx).toBuilder().setReplicaRead(ctx.getReplicaRead()))
                .addRequests(Request.newBuilder().setCmdType(CmdType.Snap).setSnap(SnapRequest.getDefaultInstance()))
                .build();
        return callAsync(request).thenApply(result -> {
            if (result.snapshot() == null) {
                throw new IllegalStateException("a successful Snap command returned no snapshot");
            }
            // A leader's snapshot carries the term it led in; a follower's (replica read) none.
            long leaderTerm =
                    ctx.getReplicaRead() ? 0 : result.response().getHeader().getCurrentTerm();
            return new RegionReader(
                    new UserKeyReader(result.snapshot()),
                    result.response().getResponses(0).getSnap().getRegion(),
                    leaderTerm);
        });
    }

    /** The store and its engines belong to the server that created them; nothing to release here. */
    @Override
    public void close() {}

    private static RaftRequestHeader header(Kvrpcpb.Context ctx) {
        Objects.requireNonNull(ctx, "ctx");
        return RaftRequestHeader.newBuilder()
                .setRegionId(ctx.getRegionId())
                .setPeer(ctx.getPeer())
                .setRegionEpoch(ctx.getRegionEpoch())
                .setTerm(ctx.getTerm())
                .build();
    }

    /**
     * The command for one modification. The arrays are wrapped, not copied: the storage contract
     * hands them over, and the command is serialized into the log entry before anything could
     * change them.
     */
    private static Request toRequest(Modify modify) {
        return switch (modify) {
            case Modify.Put put ->
                Request.newBuilder()
                        .setCmdType(CmdType.Put)
                        .setPut(PutRequest.newBuilder()
                                .setCf(put.cf().apiName())
                                .setKey(UnsafeByteOperations.unsafeWrap(put.key()))
                                .setValue(UnsafeByteOperations.unsafeWrap(put.value())))
                        .build();
            case Modify.Delete delete ->
                Request.newBuilder()
                        .setCmdType(CmdType.Delete)
                        .setDelete(DeleteRequest.newBuilder()
                                .setCf(delete.cf().apiName())
                                .setKey(UnsafeByteOperations.unsafeWrap(delete.key())))
                        .build();
            case Modify.DeleteRange range ->
                Request.newBuilder()
                        .setCmdType(CmdType.DeleteRange)
                        .setDeleteRange(DeleteRangeRequest.newBuilder()
                                .setCf(range.cf().apiName())
                                .setStartKey(UnsafeByteOperations.unsafeWrap(range.startKey()))
                                .setEndKey(UnsafeByteOperations.unsafeWrap(range.endKey())))
                        .build();
        };
    }

    /**
     * Proposes {@code request}; the future completes from the callback (on the Raft or apply
     * thread) with the result, or fails with a {@link RegionException} for a region error. Only
     * for commands whose waiters may wait as long as the raftstore takes to answer (writes).
     */
    private CompletableFuture<CmdResult> untimedCallAsync(RaftCmdRequest request) {
        CompletableFuture<CmdResult> future = new CompletableFuture<>();
        store.propose(request, new Callback(request, future::complete));
        return future.thenApply(result -> {
            if (result.isError()) {
                if (result.snapshot() != null) {
                    result.snapshot().close();
                }
                throw new RegionException(result.response().getHeader().getError());
            }
            return result;
        });
    }

    /**
     * Proposes {@code request}; the future completes from the callback (on the Raft or apply
     * thread) with the result, or fails with a {@link RegionException} for a region error or for a
     * command that took longer than the command timeout ({@code server_is_busy}). A result that
     * arrives after the timeout releases its snapshot. For reads only: nothing waits on a read
     * after its answer.
     */
    private CompletableFuture<CmdResult> callAsync(RaftCmdRequest request) {
        CompletableFuture<CmdResult> future = new CompletableFuture<>();
        store.propose(request, new Callback(request, result -> {
            // A waiter that gave up never sees this result: release what it would have owned.
            if (!future.complete(result) && result.snapshot() != null) {
                result.snapshot().close();
            }
        }));
        return answerDeadline.failWhenOverdue(future).handle((result, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
                if (cause instanceof TimeoutException) {
                    throw new RegionException(Errorpb.Error.newBuilder()
                            .setMessage("raft command on region "
                                    + request.getHeader().getRegionId() + " timed out after "
                                    + answerDeadline.timeout().toMillis() + " ms")
                            .setServerIsBusy(Errorpb.ServerIsBusy.newBuilder().setReason("raft command timed out"))
                            .build());
                }
                throw cause instanceof RuntimeException r
                        ? r
                        : new StorageException("raft command failed: " + cause, cause);
            }
            if (result.isError()) {
                if (result.snapshot() != null) {
                    result.snapshot().close();
                }
                throw new RegionException(result.response().getHeader().getError());
            }
            return result;
        });
    }

    /** Waits for an asynchronous call on the calling thread, rethrowing its failure as it was. */
    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            // The command may still complete; whatever it returns is released by its stage.
            future.thenAccept(RaftStorage::closeIfReader);
            throw new StorageException("interrupted while waiting for a raft command", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new StorageException("raft command failed: " + cause, cause);
        }
    }

    private static void closeIfReader(Object value) {
        if (value instanceof StorageReader reader) {
            reader.close();
        }
    }
}
