package io.tinykv.txn;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.AnswerDeadline;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageException;
import io.tinykv.txn.command.BatchGet;
import io.tinykv.txn.command.BatchRollback;
import io.tinykv.txn.command.CheckSecondaryLocks;
import io.tinykv.txn.command.CheckTxnStatus;
import io.tinykv.txn.command.Cleanup;
import io.tinykv.txn.command.Command;
import io.tinykv.txn.command.Commit;
import io.tinykv.txn.command.Get;
import io.tinykv.txn.command.KeyErrorException;
import io.tinykv.txn.command.KeyErrors;
import io.tinykv.txn.command.Outcome;
import io.tinykv.txn.command.Prewrite;
import io.tinykv.txn.command.ResolveLock;
import io.tinykv.txn.command.Scan;
import io.tinykv.txn.command.TxnHeartBeat;
import io.tinykv.txn.concurrency.ConcurrencyManager;
import io.tinykv.txn.concurrency.MaxTsSync;
import io.tinykv.txn.gc.SafePointGuard;
import io.tinykv.txn.latch.Latches;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.MvccReader;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transactional half of TiKV's {@code tikvpb.Tikv} service, one method per RPC, request in and
 * response out; the gRPC layer delegates its Kv* methods here. Every call runs one command:
 * snapshot reads directly, everything else under the latches of its keys, reading a snapshot
 * taken after latching and writing its changes in one atomic batch before the latches are
 * released. Errors never escape as exceptions: region errors travel in {@code region_error},
 * transaction and storage errors in the response's key error.
 *
 * <p>Thread-safe: calls may come from any number of threads.
 */
public final class TxnCommands {

    private static final Logger LOG = LoggerFactory.getLogger(TxnCommands.class);

    /** Locks resolved per write batch when ResolveLock scans a region (TiKV's RESOLVE_LOCK_BATCH_SIZE). */
    public static final int RESOLVE_LOCK_BATCH_SIZE = 256;

    private final Storage storage;
    private final Latches latches;
    private final RegionBounds regionBounds;
    private final SafePointGuard safePoint;
    private final MaxTsSync maxTsSync;
    private final AnswerDeadline answerDeadline;

    public TxnCommands(Storage storage, Latches latches, RegionBounds regionBounds) {
        this(storage, latches, regionBounds, new SafePointGuard());
    }

    /** Without a TSO to sync {@code max_ts} from: one-phase prewrites fall back to two phases. */
    public TxnCommands(Storage storage, Latches latches, RegionBounds regionBounds, SafePointGuard safePoint) {
        this(storage, latches, regionBounds, safePoint, MaxTsSync.never(new ConcurrencyManager()));
    }

    /**
     * @param safePoint the GC safe point this store knows; reads and prewrites below it are refused
     * @param maxTsSync the store's {@code max_ts}, memory locks and leadership sync: reads raise
     *     {@code max_ts}, one-phase prewrites commit above it
     */
    public TxnCommands(
            Storage storage,
            Latches latches,
            RegionBounds regionBounds,
            SafePointGuard safePoint,
            MaxTsSync maxTsSync) {
        this(storage, latches, regionBounds, safePoint, maxTsSync, AnswerDeadline.NONE);
    }

    /**
     * @param answerDeadline how long a command waits for latches, and its client for its write to
     *     apply, before the answer is {@code server_is_busy}; latches and memory locks are held until
     *     the write is settled however long that takes ({@link Storage#writeAsync})
     */
    public TxnCommands(
            Storage storage,
            Latches latches,
            RegionBounds regionBounds,
            SafePointGuard safePoint,
            MaxTsSync maxTsSync,
            AnswerDeadline answerDeadline) {
        this.answerDeadline = Objects.requireNonNull(answerDeadline, "answerDeadline");
        this.storage = storage;
        this.latches = latches;
        this.regionBounds = regionBounds;
        this.safePoint = safePoint;
        this.maxTsSync = maxTsSync;
    }

    /** Over a standalone store: default latches, no region bounds. */
    public TxnCommands(Storage storage) {
        this(storage, new Latches(), RegionBounds.UNBOUNDED);
    }

    public Kvrpcpb.GetResponse get(Kvrpcpb.GetRequest request) {
        return run(new Get(request));
    }

    public Kvrpcpb.BatchGetResponse batchGet(Kvrpcpb.BatchGetRequest request) {
        return run(new BatchGet(request));
    }

    /**
     * @throws io.tinykv.storage.ResponseBudget.ResponseTooLargeException when the pairs would carry
     *     more than {@code maxResponseBytes} of keys and values
     */
    public Kvrpcpb.BatchGetResponse batchGet(Kvrpcpb.BatchGetRequest request, long maxResponseBytes) {
        return run(new BatchGet(request, maxResponseBytes));
    }

    public Kvrpcpb.ScanResponse scan(Kvrpcpb.ScanRequest request) {
        return run(new Scan(request));
    }

    /**
     * @throws io.tinykv.storage.ResponseBudget.ResponseTooLargeException when the pairs would carry
     *     more than {@code maxResponseBytes} of keys and values
     */
    public Kvrpcpb.ScanResponse scan(Kvrpcpb.ScanRequest request, long maxResponseBytes) {
        return run(new Scan(request, maxResponseBytes));
    }

    public Kvrpcpb.PrewriteResponse prewrite(Kvrpcpb.PrewriteRequest request) {
        return run(new Prewrite(request, maxTsSync));
    }

    /** {@link #prewrite} answered when its write is applied, with no thread waiting for that. */
    public CompletableFuture<Kvrpcpb.PrewriteResponse> prewriteAsync(Kvrpcpb.PrewriteRequest request) {
        return runAsync(new Prewrite(request, maxTsSync));
    }

    /** {@link #commit}, asynchronously as {@link #prewriteAsync}. */
    public CompletableFuture<Kvrpcpb.CommitResponse> commitAsync(Kvrpcpb.CommitRequest request) {
        return runAsync(new Commit(request));
    }

    /** {@link #batchRollback}, asynchronously as {@link #prewriteAsync}. */
    public CompletableFuture<Kvrpcpb.BatchRollbackResponse> batchRollbackAsync(Kvrpcpb.BatchRollbackRequest request) {
        return runAsync(new BatchRollback(request));
    }

    /** {@link #checkTxnStatus}, asynchronously as {@link #prewriteAsync}. */
    public CompletableFuture<Kvrpcpb.CheckTxnStatusResponse> checkTxnStatusAsync(
            Kvrpcpb.CheckTxnStatusRequest request) {
        return runAsync(new CheckTxnStatus(request));
    }

    /** {@link #checkSecondaryLocks}, asynchronously as {@link #prewriteAsync}. */
    public CompletableFuture<Kvrpcpb.CheckSecondaryLocksResponse> checkSecondaryLocksAsync(
            Kvrpcpb.CheckSecondaryLocksRequest request) {
        return runAsync(new CheckSecondaryLocks(request));
    }

    /** {@link #cleanup}, asynchronously as {@link #prewriteAsync}. */
    public CompletableFuture<Kvrpcpb.CleanupResponse> cleanupAsync(Kvrpcpb.CleanupRequest request) {
        return runAsync(new Cleanup(request));
    }

    /** {@link #txnHeartBeat}, asynchronously as {@link #prewriteAsync}. */
    public CompletableFuture<Kvrpcpb.TxnHeartBeatResponse> txnHeartBeatAsync(Kvrpcpb.TxnHeartBeatRequest request) {
        return runAsync(new TxnHeartBeat(request));
    }

    public Kvrpcpb.CommitResponse commit(Kvrpcpb.CommitRequest request) {
        return run(new Commit(request));
    }

    public Kvrpcpb.BatchRollbackResponse batchRollback(Kvrpcpb.BatchRollbackRequest request) {
        return run(new BatchRollback(request));
    }

    public Kvrpcpb.CheckTxnStatusResponse checkTxnStatus(Kvrpcpb.CheckTxnStatusRequest request) {
        return run(new CheckTxnStatus(request));
    }

    public Kvrpcpb.CheckSecondaryLocksResponse checkSecondaryLocks(Kvrpcpb.CheckSecondaryLocksRequest request) {
        return run(new CheckSecondaryLocks(request));
    }

    public Kvrpcpb.CleanupResponse cleanup(Kvrpcpb.CleanupRequest request) {
        return run(new Cleanup(request));
    }

    public Kvrpcpb.TxnHeartBeatResponse txnHeartBeat(Kvrpcpb.TxnHeartBeatRequest request) {
        return run(new TxnHeartBeat(request));
    }

    public Kvrpcpb.ResolveLockResponse resolveLock(Kvrpcpb.ResolveLockRequest request) {
        Function<Errorpb.Error, Kvrpcpb.ResolveLockResponse> onRegionError =
                e -> Kvrpcpb.ResolveLockResponse.newBuilder().setRegionError(e).build();
        Function<Kvrpcpb.KeyError, Kvrpcpb.ResolveLockResponse> onKeyError =
                e -> Kvrpcpb.ResolveLockResponse.newBuilder().setError(e).build();
        return guarded(onRegionError, onKeyError, () -> {
            if (request.getKeysCount() > 0) {
                return run(ResolveLock.lite(request));
            }
            Map<Long, Long> txnStatus = ResolveLock.txnStatusOf(request);
            KeyRange region = regionBounds.rangeOf(request.getContext());
            byte[] resumeFrom = region.start();
            while (true) {
                List<byte[]> batch;
                KeyRange remaining = new KeyRange(resumeFrom, region.end());
                try (MvccReader snapshot = new MvccReader(storage.reader(request.getContext()))) {
                    batch = ResolveLock.findLocks(snapshot, remaining, txnStatus, RESOLVE_LOCK_BATCH_SIZE);
                }
                if (batch.isEmpty()) {
                    return Kvrpcpb.ResolveLockResponse.getDefaultInstance();
                }
                Kvrpcpb.ResolveLockResponse response =
                        run(new ResolveLock(request.getContext(), txnStatus, batch, false));
                if (response.hasError() || response.hasRegionError() || batch.size() < RESOLVE_LOCK_BATCH_SIZE) {
                    return response;
                }
                // The smallest key after the last one resolved.
                byte[] last = batch.getLast();
                resumeFrom = Arrays.copyOf(last, last.length + 1);
            }
        });
    }

    /** Runs {@code command}: latches, snapshot, execute, write; errors into the response. */
    public <R> R run(Command<R> command) {
        try {
            return runAsync(command).join();
        } catch (CompletionException e) {
            // Only what guarded() does not map (a bug) gets here; rethrow it as it was thrown.
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    /**
     * Runs {@code command} as {@link #run} does, except that no thread waits while its writes are
     * replicated: the latches are taken and the snapshot read on the calling thread, the write is
     * handed to storage, and the latches are released and the future completed when it is
     * applied (on the thread that applied it). Errors come back in the response, as from
     * {@link #run}.
     */
    public <R> CompletableFuture<R> runAsync(Command<R> command) {
        CompletableFuture<R> started;
        try {
            started = executeAsync(command);
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        return started.handle((response, failure) -> {
            if (failure == null) {
                return response;
            }
            Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            return guarded(command::regionError, command::keyError, () -> {
                throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
            });
        });
    }

    /** The storage and region bounds commands run on (for GC's scans, which hold no latches). */
    public Storage storage() {
        return storage;
    }

    public RegionBounds regionBounds() {
        return regionBounds;
    }

    /** The store's {@code max_ts}, memory locks and leadership sync. */
    public MaxTsSync maxTsSync() {
        return maxTsSync;
    }

    /**
     * Refuses a snapshot read or a prewrite below the GC safe point: the versions it needs may be
     * gone. Commands that finish a transaction (commit, rollback, status checks) are not refused:
     * they work on locks and records GC leaves alone.
     */
    private void checkSafePoint(Command<?> command) {
        switch (command) {
            case Get g -> safePoint.check(g.request().getVersion(), "read");
            case BatchGet b -> safePoint.check(b.request().getVersion(), "read");
            case Scan s -> safePoint.check(s.request().getVersion(), "scan");
            case Prewrite p -> safePoint.check(p.request().getStartVersion(), "prewrite");
            default -> {}
        }
    }

    private <R> CompletableFuture<R> executeAsync(Command<R> command) {
        checkSafePoint(command);
        Kvrpcpb.Context ctx = command.context();
        KeyRange region = regionBounds.rangeOf(ctx);
        List<byte[]> keys = command.latchKeys();
        if (keys.isEmpty()) {
            // Raise max_ts and take the memory locks before the snapshot (ConcurrencyManager says why).
            NavigableMap<byte[], Lock> memoryLocks = observeRead(command, region);
            try (MvccReader snapshot = new MvccReader(storage.reader(ctx), memoryLocks)) {
                Outcome<R> outcome = command.execute(snapshot, region);
                if (!outcome.writes().isEmpty()) {
                    throw new IllegalStateException(
                            command.getClass().getSimpleName() + " holds no latches but produced writes");
                }
                return CompletableFuture.completedFuture(outcome.response());
            }
        }
        Latches.Guard latched = acquire(keys, ctx);
        CompletableFuture<Void> written;
        Outcome<R> outcome;
        try {
            try (MvccReader snapshot = new MvccReader(storage.reader(ctx))) {
                outcome = command.execute(snapshot, region);
            }
            try {
                written = outcome.writes().isEmpty()
                        ? CompletableFuture.completedFuture(null)
                        : storage.writeAsync(ctx, outcome.writes());
            } catch (RuntimeException | Error e) {
                outcome.afterWrite().run();
                throw e;
            }
        } catch (RuntimeException | Error e) {
            latched.close();
            throw e;
        }
        // Memory locks and latches are held until the write is settled: applied, or unable to apply
        // any more. Releasing them earlier (say, when the client's answer times out) would let a
        // reader pass a 1PC write's memory lock and read before the write lands below its read ts,
        // and let another command read-check-write the same keys before this one's entry applies.
        CompletableFuture<R> settled = written.whenComplete((ok, failure) -> {
                    try {
                        outcome.afterWrite().run();
                    } finally {
                        latched.close();
                    }
                })
                .thenApply(ok -> outcome.response());
        return answerDeadline.bound(settled, ctx, command.getClass().getSimpleName());
    }

    /**
     * What a snapshot read tells the concurrency manager before its snapshot is taken: its read ts
     * raises {@code max_ts}; the memory locks on its keys come back, to be treated as locks. A
     * read-committed read (which ignores locks) and a read of the latest data ({@code MAX}) raise
     * nothing.
     */
    private NavigableMap<byte[], Lock> observeRead(Command<?> command, KeyRange region) {
        ConcurrencyManager manager = maxTsSync.manager();
        NavigableMap<byte[], Lock> none = Collections.emptyNavigableMap();
        if (command.context().getIsolationLevel() == Kvrpcpb.IsolationLevel.RC) {
            return none;
        }
        return switch (command) {
            case Get g ->
                manager.readKeys(
                        g.request().getVersion(), List.of(g.request().getKey().toByteArray()));
            case BatchGet b ->
                manager.readKeys(
                        b.request().getVersion(),
                        b.request().getKeysList().stream()
                                .map(ByteString::toByteArray)
                                .toList());
            case Scan s ->
                manager.readRange(s.request().getVersion(), s.requestedRange().intersect(region));
            default -> none;
        };
    }

    /**
     * The latches of {@code keys}, waited for at most the answer deadline: a command ahead may hold
     * them until its write settles, which takes as long as Raft does (a deposed leader's entry,
     * say), and a handler thread must not wait that long.
     */
    private Latches.Guard acquire(List<byte[]> keys, Kvrpcpb.Context ctx) {
        try {
            Latches.Guard guard = latches.tryAcquire(keys, answerDeadline.timeout());
            if (guard == null) {
                throw answerDeadline.busy(ctx, "waiting for the latches of " + keys.size() + " key(s)");
            }
            return guard;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeyErrorException(KeyErrors.abort("interrupted while waiting for latches"));
        }
    }

    private static <R> R guarded(
            Function<Errorpb.Error, R> onRegionError, Function<Kvrpcpb.KeyError, R> onKeyError, Supplier<R> body) {
        try {
            return body.get();
        } catch (KeyErrorException e) {
            return onKeyError.apply(e.keyError());
        } catch (RegionException e) {
            return onRegionError.apply(e.error());
        } catch (StorageException e) {
            LOG.warn("transactional command failed in storage", e);
            return onKeyError.apply(KeyErrors.abort("storage error: " + e.getMessage()));
        }
    }
}
