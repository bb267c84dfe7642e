package io.tinykv.server;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.ResponseBudget;
import io.tinykv.txn.TxnCommands;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional half of {@code tikvpb.Tikv}: validates each {@code Kv*} request at the API
 * edge, then runs it through the txn module's {@link TxnCommands}. Transaction-level outcomes
 * (locks, write conflicts, aborts) and region errors travel inside the response as TiKV clients
 * expect; bad input (an empty or oversized key, a batch over {@code limits.max-batch-keys}, a scan
 * limit over the maximum) is refused with gRPC status {@code INVALID_ARGUMENT} naming the problem;
 * a prewrite over the entry size limit gets the region error {@code raft_entry_too_large}, and a
 * read whose answer would outgrow {@code limits.max-response-size} gets {@code RESOURCE_EXHAUSTED}.
 * Commands that finish or clean up a transaction pass a nearly full disk ({@link #finishing}).
 */
public final class TxnHandler {

    private static final Logger LOG = LoggerFactory.getLogger(TxnHandler.class);

    private final TxnCommands commands;
    private final RequestValidator validator;

    public TxnHandler(TxnCommands commands, RequestValidator validator) {
        this.commands = commands;
        this.validator = validator;
    }

    /**
     * The empty key names no entry (prewrite refuses it), so reading it finds nothing rather than
     * failing, as in TiKV and as {@code RawGet} answers. A refusal would cost a TiKV client its
     * whole read backoff: it retries any gRPC error as if the store were down.
     */
    void kvGet(Kvrpcpb.GetRequest req, StreamObserver<Kvrpcpb.GetResponse> out) {
        run(out, () -> {
            if (req.getKey().isEmpty()) {
                return Kvrpcpb.GetResponse.newBuilder().setNotFound(true).build();
            }
            validator.key(req.getKey());
            return commands.get(req);
        });
    }

    /** Empty keys find nothing (see {@link #kvGet}); a batch get leaves keys it did not find out. */
    void kvBatchGet(Kvrpcpb.BatchGetRequest req, StreamObserver<Kvrpcpb.BatchGetResponse> out) {
        run(out, () -> {
            validator.batchSize(req.getKeysCount(), "keys");
            List<ByteString> keys =
                    req.getKeysList().stream().filter(k -> !k.isEmpty()).toList();
            keys.forEach(validator::key);
            Kvrpcpb.BatchGetRequest withoutEmpty = keys.size() == req.getKeysCount()
                    ? req
                    : req.toBuilder().clearKeys().addAllKeys(keys).build();
            return commands.batchGet(withoutEmpty, validator.maxResponseSizeBytes());
        });
    }

    void kvScan(Kvrpcpb.ScanRequest req, StreamObserver<Kvrpcpb.ScanResponse> out) {
        run(out, () -> {
            validator.boundKey(req.getStartKey(), "start_key");
            validator.boundKey(req.getEndKey(), "end_key");
            validator.scanLimit(req.getLimit());
            return commands.scan(req, validator.maxResponseSizeBytes());
        });
    }

    void kvPrewrite(Kvrpcpb.PrewriteRequest req, StreamObserver<Kvrpcpb.PrewriteResponse> out) {
        runAsync(out, () -> {
            validator.key(req.getPrimaryLock());
            validator.batchSize(req.getMutationsCount(), "mutations");
            for (Kvrpcpb.Mutation m : req.getMutationsList()) {
                validator.key(m.getKey());
            }
            // The primary's lock stores them: bounded like the keys of any batch.
            validator.batchSize(req.getSecondariesCount(), "secondaries");
            req.getSecondariesList().forEach(validator::key);
            try {
                validator.writeSize(req.getContext().getRegionId(), req.getSerializedSize());
            } catch (RegionException e) {
                // raft_entry_too_large travels in the response, as TiKV answers it.
                return CompletableFuture.completedFuture(Kvrpcpb.PrewriteResponse.newBuilder()
                        .setRegionError(e.error())
                        .build());
            }
            return commands.prewriteAsync(req);
        });
    }

    void kvCommit(Kvrpcpb.CommitRequest req, StreamObserver<Kvrpcpb.CommitResponse> out) {
        runAsync(out, () -> {
            validator.batchSize(req.getKeysCount(), "keys");
            req.getKeysList().forEach(validator::key);
            return commands.commitAsync(
                    req.toBuilder().setContext(finishing(req.getContext())).build());
        });
    }

    void kvBatchRollback(Kvrpcpb.BatchRollbackRequest req, StreamObserver<Kvrpcpb.BatchRollbackResponse> out) {
        runAsync(out, () -> {
            validator.batchSize(req.getKeysCount(), "keys");
            req.getKeysList().forEach(validator::key);
            return commands.batchRollbackAsync(
                    req.toBuilder().setContext(finishing(req.getContext())).build());
        });
    }

    void kvCheckTxnStatus(Kvrpcpb.CheckTxnStatusRequest req, StreamObserver<Kvrpcpb.CheckTxnStatusResponse> out) {
        runAsync(out, () -> {
            validator.key(req.getPrimaryKey());
            return commands.checkTxnStatusAsync(
                    req.toBuilder().setContext(finishing(req.getContext())).build());
        });
    }

    void kvCheckSecondaryLocks(
            Kvrpcpb.CheckSecondaryLocksRequest req, StreamObserver<Kvrpcpb.CheckSecondaryLocksResponse> out) {
        runAsync(out, () -> {
            validator.batchSize(req.getKeysCount(), "keys");
            req.getKeysList().forEach(validator::key);
            return commands.checkSecondaryLocksAsync(
                    req.toBuilder().setContext(finishing(req.getContext())).build());
        });
    }

    void kvResolveLock(Kvrpcpb.ResolveLockRequest req, StreamObserver<Kvrpcpb.ResolveLockResponse> out) {
        run(out, () -> {
            validator.batchSize(req.getKeysCount(), "keys");
            req.getKeysList().forEach(validator::key);
            return commands.resolveLock(
                    req.toBuilder().setContext(finishing(req.getContext())).build());
        });
    }

    void kvCleanup(Kvrpcpb.CleanupRequest req, StreamObserver<Kvrpcpb.CleanupResponse> out) {
        runAsync(out, () -> {
            validator.key(req.getKey());
            return commands.cleanupAsync(
                    req.toBuilder().setContext(finishing(req.getContext())).build());
        });
    }

    void kvTxnHeartBeat(Kvrpcpb.TxnHeartBeatRequest req, StreamObserver<Kvrpcpb.TxnHeartBeatResponse> out) {
        runAsync(out, () -> {
            validator.key(req.getPrimaryLock());
            return commands.txnHeartBeatAsync(
                    req.toBuilder().setContext(finishing(req.getContext())).build());
        });
    }

    /**
     * The context of a command that finishes or cleans up a transaction already under way (commit,
     * rollback, resolving locks, checking a status, a heartbeat): small writes that the store
     * takes on an almost full disk, so that locks do not stay behind while new data is refused
     * (prewrites). A client that allows more keeps its own setting.
     */
    static Kvrpcpb.Context finishing(Kvrpcpb.Context ctx) {
        return ctx.getDiskFullOpt() == Kvrpcpb.DiskFullOpt.NotAllowedOnFull
                ? ctx.toBuilder()
                        .setDiskFullOpt(Kvrpcpb.DiskFullOpt.AllowedOnAlmostFull)
                        .build()
                : ctx;
    }

    private static <R> void run(StreamObserver<R> out, Supplier<R> body) {
        runAsync(out, () -> CompletableFuture.completedFuture(body.get()));
    }

    /**
     * Validates and starts the command on the handler thread; answers when its future completes,
     * from the thread that completes it (for a write, the one that applied it), so no handler
     * thread waits while Raft replicates. Never throws from there.
     */
    private static <R> void runAsync(StreamObserver<R> out, Supplier<CompletableFuture<R>> body) {
        CompletableFuture<R> pending;
        try {
            pending = body.get();
        } catch (RuntimeException e) {
            answer(out, null, e);
            return;
        }
        pending.whenComplete((response, failure) -> answer(out, response, failure));
    }

    private static <R> void answer(StreamObserver<R> out, R response, Throwable failure) {
        try {
            if (failure == null) {
                out.onNext(response);
                out.onCompleted();
                return;
            }
            Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof InvalidRequestException) {
                out.onError(Status.INVALID_ARGUMENT
                        .withDescription(cause.getMessage())
                        .asRuntimeException());
                return;
            }
            if (cause instanceof ResponseBudget.ResponseTooLargeException) {
                out.onError(Status.RESOURCE_EXHAUSTED
                        .withDescription(cause.getMessage())
                        .asRuntimeException());
                return;
            }
            // TxnCommands turns storage and region failures into responses; anything else is a bug.
            LOG.error("unexpected failure while serving a transactional request", cause);
            out.onError(
                    Status.INTERNAL.withDescription("internal error: " + cause).asRuntimeException());
        } catch (RuntimeException e) {
            // The call is gone (cancelled, or its deadline passed): nobody is left to answer.
            LOG.debug("could not answer a transactional request", e);
        }
    }
}
