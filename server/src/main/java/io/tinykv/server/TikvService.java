package io.tinykv.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.storage.AnswerDeadline;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.ResponseBudget;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageException;
import io.tinykv.storage.StorageReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client-facing {@code tikvpb.Tikv} service: RawKV served here over {@link Storage}, the
 * transactional calls handed to a {@link TxnHandler}. Every raw request is validated first
 * ({@link RequestValidator} documents the error policy); region errors come back in the
 * response's {@code region_error}, as TiKV clients expect.
 *
 * <p>RawKV follows TiKV's API V1: the empty key is a key like any other (it sorts first). Writes
 * flagged {@code for_cas} and every {@code RawCompareAndSwap} hold their keys' latches from the
 * compare until the write is applied ({@link RawCasLatches} explains why that is atomic across
 * leader changes).
 *
 * <p>With {@code [storage] enable-ttl} on, raw values carry an expiry ({@link RawValues}): expired
 * keys are absent to every read (get, batch get, scan, CAS's compare, RawGetKeyTTL), and puts,
 * batch puts and CAS take a ttl. Deletes and delete ranges are the same either way.
 */
public final class TikvService extends TikvGrpc.TikvImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(TikvService.class);

    private final Storage storage;
    private final RequestValidator validator;
    private final TxnHandler txn;
    private final RawCasLatches latches;
    private final RawValues values;
    /** Null over a storage without regions (tests of the API edge). */
    private final RegionSplitter splitter;
    /** Where reads continue once their snapshot is ready: never the Raft thread that completes it. */
    private final Executor readExecutor;

    private final Executor casWrites;

    private final AnswerDeadline answerDeadline;

    /** RawKV without TTL. */
    public TikvService(Storage storage, RequestValidator validator, TxnHandler txn) {
        this(storage, validator, txn, RawValues.withoutTtl(), null);
    }

    /** RawKV with TTL on or off, as {@code values} says; SplitRegion refused. */
    public TikvService(Storage storage, RequestValidator validator, TxnHandler txn, RawValues values) {
        this(storage, validator, txn, values, null);
    }

    /**
     * @param values raw values with TTL on or off
     * @param splitter serves SplitRegion; null: SplitRegion is refused
     */
    public TikvService(
            Storage storage, RequestValidator validator, TxnHandler txn, RawValues values, RegionSplitter splitter) {
        this(storage, validator, txn, values, splitter, Runnable::run);
    }

    /**
     * @param readExecutor runs the engine reads of RawGet, RawBatchGet, RawScan and RawGetKeyTTL
     *     once the storage hands over a snapshot; it may refuse work when full (the client gets
     *     {@code server_is_busy}). The calling thread ({@code Runnable::run}) suits a storage whose
     *     readers are ready at once (tests over a plain engine).
     */
    public TikvService(
            Storage storage,
            RequestValidator validator,
            TxnHandler txn,
            RawValues values,
            RegionSplitter splitter,
            Executor readExecutor) {
        this(storage, validator, txn, values, splitter, readExecutor, AnswerDeadline.NONE, Runnable::run);
    }

    /**
     * @param answerDeadline how long a raw write's client waits before {@code server_is_busy} (the
     *     write itself may still apply)
     * @param casWrites runs the raw writes for CAS ({@code for_cas}), which wait for their keys'
     *     latches and their apply: the other raw writes may be served on a network thread ({@link
     *     CallsOnNetworkThread}), which must never wait
     */
    public TikvService(
            Storage storage,
            RequestValidator validator,
            TxnHandler txn,
            RawValues values,
            RegionSplitter splitter,
            Executor readExecutor,
            AnswerDeadline answerDeadline,
            Executor casWrites) {
        this.answerDeadline = Objects.requireNonNull(answerDeadline, "answerDeadline");
        this.casWrites = Objects.requireNonNull(casWrites, "casWrites");
        this.readExecutor = readExecutor;
        this.storage = storage;
        this.validator = validator;
        this.txn = txn;
        this.latches = new RawCasLatches(RawCasLatches.DEFAULT_SLOTS);
        this.values = values;
        this.splitter = splitter;
    }

    // ---- regions ----

    /**
     * kvproto's SplitRegion, as the TiKV client sends it ({@code split_keys}, or the deprecated
     * {@code split_key}). Raw-mode keys ({@code is_raw_kv}) are region boundaries as sent.
     * Transactional-mode keys are user keys: as TiKV does for API V1, each is memcomparable-encoded,
     * the form the engine stores transactional keys in and region boundaries of transactional data
     * take, so the regions answered have encoded boundaries (a TiKV client in transactional mode
     * decodes them).
     */
    @Override
    public void splitRegion(Kvrpcpb.SplitRegionRequest req, StreamObserver<Kvrpcpb.SplitRegionResponse> out) {
        unary(
                out,
                () -> {
                    if (splitter == null) {
                        throw new InvalidRequestException("SplitRegion: this process does not split regions");
                    }
                    List<ByteString> sent = req.getSplitKeysCount() > 0
                            ? req.getSplitKeysList()
                            : req.getSplitKey().isEmpty() ? List.of() : List.of(req.getSplitKey());
                    if (sent.isEmpty()) {
                        throw new InvalidRequestException("SplitRegion: no split keys given");
                    }
                    validator.batchSize(sent.size(), "split keys");
                    List<ByteString> keys;
                    if (req.getIsRawKv()) {
                        sent.forEach(validator::rawKey);
                        keys = sent;
                    } else {
                        sent.forEach(validator::key);
                        keys = sent.stream()
                                .map(k -> ByteString.copyFrom(MemComparableCodec.encode(k.toByteArray())))
                                .toList();
                    }
                    List<ByteString> sorted = keys.stream()
                            .distinct()
                            .sorted(ByteString.unsignedLexicographicalComparator())
                            .toList();
                    List<io.tinykv.proto.Metapb.Region> regions = splitter.split(req.getContext(), sorted);
                    Kvrpcpb.SplitRegionResponse.Builder resp =
                            Kvrpcpb.SplitRegionResponse.newBuilder().addAllRegions(regions);
                    if (regions.size() >= 2) {
                        resp.setLeft(regions.get(regions.size() - 2)).setRight(regions.get(regions.size() - 1));
                    }
                    return resp.build();
                },
                e -> Kvrpcpb.SplitRegionResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.SplitRegionResponse.newBuilder()
                        .addErrors(Kvrpcpb.KeyError.newBuilder().setAbort(s))
                        .build());
    }

    // ---- RawKV ----

    @Override
    public void rawGet(Kvrpcpb.RawGetRequest req, StreamObserver<Kvrpcpb.RawGetResponse> out) {
        read(
                out,
                req.getContext(),
                () -> {
                    Cf cf = validator.columnFamily(req.getCf());
                    validator.rawKey(req.getKey());
                    return cf;
                },
                (cf, reader) -> {
                    byte[] value = values.now().visible(reader.get(cf, ByteStrings.array(req.getKey())));
                    Kvrpcpb.RawGetResponse.Builder resp = Kvrpcpb.RawGetResponse.newBuilder();
                    return value == null
                            ? resp.setNotFound(true).build()
                            : resp.setValue(UnsafeByteOperations.unsafeWrap(value))
                                    .build();
                },
                e -> Kvrpcpb.RawGetResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawGetResponse.newBuilder().setError(s).build());
    }

    /** Answers the pairs that exist, in request order; absent (and expired) keys are left out, as TiKV does. */
    @Override
    public void rawBatchGet(Kvrpcpb.RawBatchGetRequest req, StreamObserver<Kvrpcpb.RawBatchGetResponse> out) {
        read(
                out,
                req.getContext(),
                () -> {
                    Cf cf = validator.columnFamily(req.getCf());
                    List<ByteString> keys = validator.distinctRawKeys(req.getKeysList());
                    return Map.entry(cf, keys);
                },
                (args, reader) -> {
                    Cf cf = args.getKey();
                    ResponseBudget budget = validator.responseBudget();
                    Kvrpcpb.RawBatchGetResponse.Builder resp = Kvrpcpb.RawBatchGetResponse.newBuilder();
                    RawValues.Now now = values.now();
                    for (ByteString key : args.getValue()) {
                        byte[] value = now.visible(reader.get(cf, ByteStrings.array(key)));
                        if (value != null) {
                            budget.charge((long) key.size() + value.length);
                            resp.addPairs(Kvrpcpb.KvPair.newBuilder()
                                    .setKey(key)
                                    .setValue(UnsafeByteOperations.unsafeWrap(value)));
                        }
                    }
                    return resp.build();
                },
                e -> Kvrpcpb.RawBatchGetResponse.newBuilder().setRegionError(e).build(),
                null);
    }

    @Override
    public void rawPut(Kvrpcpb.RawPutRequest req, StreamObserver<Kvrpcpb.RawPutResponse> out) {
        unaryAsync(
                out,
                () -> {
                    Cf cf = validator.writableColumnFamily(req.getCf());
                    validator.rawKey(req.getKey());
                    byte[] stored = values.now().stored(ByteStrings.array(req.getValue()), req.getTtl());
                    validator.writeSize(
                            req.getContext().getRegionId(),
                            req.getSerializedSize() + (long) values.overheadBytesPerValue());
                    return writeAsync(
                            req.getContext(),
                            req.getForCas(),
                            List.of(req.getKey()),
                            List.of(new Modify.Put(cf, ByteStrings.array(req.getKey()), stored)),
                            Kvrpcpb.RawPutResponse.getDefaultInstance());
                },
                e -> Kvrpcpb.RawPutResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawPutResponse.newBuilder().setError(s).build());
    }

    @Override
    public void rawBatchPut(Kvrpcpb.RawBatchPutRequest req, StreamObserver<Kvrpcpb.RawBatchPutResponse> out) {
        unaryAsync(
                out,
                () -> {
                    Cf cf = validator.writableColumnFamily(req.getCf());
                    validator.batchSize(req.getPairsCount(), "pairs");
                    long[] ttls = validator.batchPutTtls(req.getPairsCount(), req.getTtlsList(), req.getTtl());
                    RawValues.Now now = values.now();
                    List<Modify> batch = new ArrayList<>(req.getPairsCount());
                    List<ByteString> keys = new ArrayList<>(req.getPairsCount());
                    for (int i = 0; i < req.getPairsCount(); i++) {
                        Kvrpcpb.KvPair pair = req.getPairs(i);
                        validator.rawKey(pair.getKey());
                        keys.add(pair.getKey());
                        byte[] stored = now.stored(ByteStrings.array(pair.getValue()), ttls[i]);
                        batch.add(new Modify.Put(cf, ByteStrings.array(pair.getKey()), stored));
                    }
                    validator.writeSize(
                            req.getContext().getRegionId(),
                            req.getSerializedSize() + (long) values.overheadBytesPerValue() * req.getPairsCount());
                    return writeAsync(
                            req.getContext(),
                            req.getForCas(),
                            keys,
                            batch,
                            Kvrpcpb.RawBatchPutResponse.getDefaultInstance());
                },
                e -> Kvrpcpb.RawBatchPutResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawBatchPutResponse.newBuilder().setError(s).build());
    }

    @Override
    public void rawDelete(Kvrpcpb.RawDeleteRequest req, StreamObserver<Kvrpcpb.RawDeleteResponse> out) {
        unaryAsync(
                out,
                () -> {
                    Cf cf = validator.writableColumnFamily(req.getCf());
                    validator.rawKey(req.getKey());
                    return writeAsync(
                            req.getContext(),
                            req.getForCas(),
                            List.of(req.getKey()),
                            List.of(new Modify.Delete(cf, ByteStrings.array(req.getKey()))),
                            Kvrpcpb.RawDeleteResponse.getDefaultInstance());
                },
                e -> Kvrpcpb.RawDeleteResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawDeleteResponse.newBuilder().setError(s).build());
    }

    @Override
    public void rawBatchDelete(Kvrpcpb.RawBatchDeleteRequest req, StreamObserver<Kvrpcpb.RawBatchDeleteResponse> out) {
        unaryAsync(
                out,
                () -> {
                    Cf cf = validator.writableColumnFamily(req.getCf());
                    validator.batchSize(req.getKeysCount(), "keys");
                    List<Modify> batch = new ArrayList<>(req.getKeysCount());
                    for (ByteString key : req.getKeysList()) {
                        validator.rawKey(key);
                        batch.add(new Modify.Delete(cf, ByteStrings.array(key)));
                    }
                    validator.writeSize(req.getContext().getRegionId(), req.getSerializedSize());
                    return writeAsync(
                            req.getContext(),
                            req.getForCas(),
                            req.getKeysList(),
                            batch,
                            Kvrpcpb.RawBatchDeleteResponse.getDefaultInstance());
                },
                e -> Kvrpcpb.RawBatchDeleteResponse.newBuilder()
                        .setRegionError(e)
                        .build(),
                s -> Kvrpcpb.RawBatchDeleteResponse.newBuilder().setError(s).build());
    }

    /**
     * Removes {@code [start_key, end_key)}; an empty end key means "to the end of the key space", so
     * start = end = empty removes every key. Only a non-empty start equal to its end is empty.
     * It excludes every latched write while it runs (see {@link RawCasLatches}).
     */
    @Override
    public void rawDeleteRange(Kvrpcpb.RawDeleteRangeRequest req, StreamObserver<Kvrpcpb.RawDeleteRangeResponse> out) {
        unary(
                out,
                () -> {
                    Cf cf = validator.writableColumnFamily(req.getCf());
                    validator.deleteRange(req.getStartKey(), req.getEndKey());
                    boolean emptyRange =
                            !req.getEndKey().isEmpty() && req.getStartKey().equals(req.getEndKey());
                    if (!emptyRange) {
                        try (RawCasLatches.Guard guard = latches.acquireAll()) {
                            write(
                                    req.getContext(),
                                    guard,
                                    List.of(new Modify.DeleteRange(
                                            cf,
                                            ByteStrings.array(req.getStartKey()),
                                            ByteStrings.array(req.getEndKey()))));
                        }
                    }
                    return Kvrpcpb.RawDeleteRangeResponse.getDefaultInstance();
                },
                e -> Kvrpcpb.RawDeleteRangeResponse.newBuilder()
                        .setRegionError(e)
                        .build(),
                s -> Kvrpcpb.RawDeleteRangeResponse.newBuilder().setError(s).build());
    }

    /**
     * TiKV's RawCompareAndSwap: writes {@code value} (with {@code ttl}) only when the key's current
     * state is the expected one ({@code previous_not_exist}, else {@code previous_value}), and
     * answers the state it compared against either way; an expired value counts as absent.
     *
     * <p>The compare runs on the serving leader under the key's latch, which is held until the
     * write is applied: a read at the leader reflects every write acknowledged before it, and the
     * latch keeps every other latched write of the key out of the window between the read and the
     * write ({@link RawCasLatches} gives the argument across leader changes). We chose this over
     * comparing at apply time because the apply loop batches many entries into one engine write,
     * so an apply-time compare would have to read through that unwritten batch.
     */
    @Override
    public void rawCompareAndSwap(Kvrpcpb.RawCASRequest req, StreamObserver<Kvrpcpb.RawCASResponse> out) {
        unary(
                out,
                () -> {
                    Cf cf = validator.writableColumnFamily(req.getCf());
                    validator.rawKey(req.getKey());
                    // Refused (ttl off, or overflowing) before any latch; the expiry counts from the request's arrival.
                    byte[] stored = values.now().stored(ByteStrings.array(req.getValue()), req.getTtl());
                    validator.writeSize(
                            req.getContext().getRegionId(),
                            req.getSerializedSize() + (long) values.overheadBytesPerValue());
                    byte[] key = ByteStrings.array(req.getKey());
                    try (RawCasLatches.Guard guard = latches.acquire(List.of(req.getKey()))) {
                        if (guard.unsettled()) {
                            // An empty range through the log: once it applies, any earlier unknown write is
                            // applied or lost for good, and the read below sees which.
                            write(req.getContext(), guard, List.of(new Modify.DeleteRange(cf, key, key)));
                            guard.markSettled();
                        }
                        // The clock read after the latch wait: a value that expired meanwhile is absent.
                        RawValues.Now now = values.now();
                        byte[] previous;
                        try (StorageReader reader = storage.reader(req.getContext())) {
                            previous = now.visible(reader.get(cf, key));
                        }
                        Kvrpcpb.RawCASResponse.Builder resp = Kvrpcpb.RawCASResponse.newBuilder();
                        if (previous == null) {
                            resp.setPreviousNotExist(true);
                        } else {
                            resp.setPreviousValue(ByteString.copyFrom(previous));
                        }
                        boolean matches = req.getPreviousNotExist()
                                ? previous == null
                                : previous != null && req.getPreviousValue().equals(ByteString.copyFrom(previous));
                        if (matches) {
                            write(req.getContext(), guard, List.of(new Modify.Put(cf, key, stored)));
                            resp.setSucceed(true);
                        }
                        return resp.build();
                    }
                },
                e -> Kvrpcpb.RawCASResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawCASResponse.newBuilder().setError(s).build());
    }

    /**
     * A raw write answered with {@code response} once applied. Without {@code for_cas} nothing
     * holds the calling thread while Raft replicates it; a write for CAS takes its keys' latches
     * and waits, since the latches are held until the write is applied — on a {@code casWrites}
     * thread, as the calling thread may be a network thread.
     */
    private <R> CompletableFuture<R> writeAsync(
            Kvrpcpb.Context ctx, boolean forCas, List<ByteString> keys, List<Modify> batch, R response) {
        if (batch.isEmpty()) {
            return CompletableFuture.completedFuture(response);
        }
        if (forCas) {
            return CompletableFuture.supplyAsync(
                    () -> {
                        write(ctx, true, keys, batch);
                        return response;
                    },
                    casWrites);
        }
        return answerDeadline
                .bound(storage.writeAsync(ctx, batch), ctx, "raw write")
                .thenApply(ignored -> response);
    }

    /** A raw write, under its keys' latches when the client asked for atomicity with CAS. */
    private void write(Kvrpcpb.Context ctx, boolean forCas, List<ByteString> keys, List<Modify> batch) {
        if (!forCas) {
            storage.write(ctx, batch);
            return;
        }
        try (RawCasLatches.Guard guard = latches.acquire(keys)) {
            write(ctx, guard, batch);
        }
    }

    /**
     * Writes under held latches. Any failure may hide an entry still in the log (a timed-out
     * command can yet commit), so the latches are marked unsettled; a later compare settles them.
     */
    private void write(Kvrpcpb.Context ctx, RawCasLatches.Guard guard, List<Modify> batch) {
        try {
            storage.write(ctx, batch);
        } catch (RuntimeException e) {
            guard.markUnsettled();
            throw e;
        }
    }

    /**
     * Forward: keys in {@code [start_key, end_key)}. Reverse (TiKV's convention): keys in
     * {@code [end_key, start_key)} from the largest down. Empty bounds are open; at most
     * {@code limit} pairs; the storage reader confines the scan to the region. Expired keys are
     * skipped and do not count towards the limit (a key-only scan reads values for that).
     */
    @Override
    public void rawScan(Kvrpcpb.RawScanRequest req, StreamObserver<Kvrpcpb.RawScanResponse> out) {
        read(
                out,
                req.getContext(),
                () -> {
                    Cf cf = validator.columnFamily(req.getCf());
                    int limit = validator.scanLimit(req.getLimit());
                    validator.boundKey(req.getStartKey(), "start_key");
                    validator.boundKey(req.getEndKey(), "end_key");
                    return new ScanArgs(cf, limit);
                },
                (args, reader) -> {
                    Cf cf = args.cf();
                    int limit = args.limit();
                    Kvrpcpb.RawScanResponse.Builder resp = Kvrpcpb.RawScanResponse.newBuilder();
                    if (limit == 0) {
                        return resp.build();
                    }
                    RawValues.Now now = values.now();
                    ResponseBudget budget = validator.responseBudget();
                    try (KvIterator it = reader.iterator(cf)) {
                        byte[] start = ByteStrings.array(req.getStartKey());
                        byte[] end = ByteStrings.array(req.getEndKey());
                        if (req.getReverse()) {
                            positionBelow(it, start);
                        } else {
                            it.seek(start);
                        }
                        while (it.valid() && resp.getKvsCount() < limit) {
                            byte[] key = it.key();
                            if (end.length > 0
                                    && (req.getReverse()
                                            ? Arrays.compareUnsigned(key, end) < 0
                                            : Arrays.compareUnsigned(key, end) >= 0)) {
                                break;
                            }
                            byte[] value = now.visible(it.value());
                            if (value != null) {
                                budget.chargePair(key, req.getKeyOnly() ? null : value);
                                // The iterator hands out fresh arrays: wrapped, not copied again.
                                Kvrpcpb.KvPair.Builder pair =
                                        Kvrpcpb.KvPair.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key));
                                if (!req.getKeyOnly()) {
                                    pair.setValue(UnsafeByteOperations.unsafeWrap(value));
                                }
                                resp.addKvs(pair);
                            }
                            if (req.getReverse()) {
                                it.prev();
                            } else {
                                it.next();
                            }
                        }
                    }
                    return resp.build();
                },
                e -> Kvrpcpb.RawScanResponse.newBuilder().setRegionError(e).build(),
                null);
    }

    /**
     * TiKV's RawGetKeyTTL: the whole seconds left before the key expires, 0 for a key without
     * expiry, {@code not_found} for a missing or expired key. Refused while TTL is off.
     */
    @Override
    public void rawGetKeyTTL(Kvrpcpb.RawGetKeyTTLRequest req, StreamObserver<Kvrpcpb.RawGetKeyTTLResponse> out) {
        read(
                out,
                req.getContext(),
                () -> {
                    Cf cf = validator.columnFamily(req.getCf());
                    validator.rawKey(req.getKey());
                    return cf;
                },
                (cf, reader) -> {
                    OptionalLong left = values.now().secondsLeft(reader.get(cf, ByteStrings.array(req.getKey())));
                    Kvrpcpb.RawGetKeyTTLResponse.Builder resp = Kvrpcpb.RawGetKeyTTLResponse.newBuilder();
                    return left.isEmpty()
                            ? resp.setNotFound(true).build()
                            : resp.setTtl(left.getAsLong()).build();
                },
                e -> Kvrpcpb.RawGetKeyTTLResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawGetKeyTTLResponse.newBuilder().setError(s).build());
    }

    /** A scan's validated column family and limit. */
    private record ScanArgs(Cf cf, int limit) {}

    /** Positions at the last key strictly below {@code upper} (empty = the last key). */
    private static void positionBelow(KvIterator it, byte[] upper) {
        if (upper.length == 0) {
            it.seekToLast();
            return;
        }
        it.seekForPrev(upper);
        if (it.valid() && Arrays.equals(it.key(), upper)) {
            it.prev();
        }
    }

    // ---- Transactions: delegated ----

    @Override
    public void kvGet(Kvrpcpb.GetRequest request, StreamObserver<Kvrpcpb.GetResponse> out) {
        txn.kvGet(request, out);
    }

    @Override
    public void kvScan(Kvrpcpb.ScanRequest request, StreamObserver<Kvrpcpb.ScanResponse> out) {
        txn.kvScan(request, out);
    }

    @Override
    public void kvPrewrite(Kvrpcpb.PrewriteRequest request, StreamObserver<Kvrpcpb.PrewriteResponse> out) {
        txn.kvPrewrite(request, out);
    }

    @Override
    public void kvTxnHeartBeat(Kvrpcpb.TxnHeartBeatRequest request, StreamObserver<Kvrpcpb.TxnHeartBeatResponse> out) {
        txn.kvTxnHeartBeat(request, out);
    }

    @Override
    public void kvCheckTxnStatus(
            Kvrpcpb.CheckTxnStatusRequest request, StreamObserver<Kvrpcpb.CheckTxnStatusResponse> out) {
        txn.kvCheckTxnStatus(request, out);
    }

    @Override
    public void kvCheckSecondaryLocks(
            Kvrpcpb.CheckSecondaryLocksRequest request, StreamObserver<Kvrpcpb.CheckSecondaryLocksResponse> out) {
        txn.kvCheckSecondaryLocks(request, out);
    }

    @Override
    public void kvCommit(Kvrpcpb.CommitRequest request, StreamObserver<Kvrpcpb.CommitResponse> out) {
        txn.kvCommit(request, out);
    }

    @Override
    public void kvCleanup(Kvrpcpb.CleanupRequest request, StreamObserver<Kvrpcpb.CleanupResponse> out) {
        txn.kvCleanup(request, out);
    }

    @Override
    public void kvBatchGet(Kvrpcpb.BatchGetRequest request, StreamObserver<Kvrpcpb.BatchGetResponse> out) {
        txn.kvBatchGet(request, out);
    }

    @Override
    public void kvBatchRollback(
            Kvrpcpb.BatchRollbackRequest request, StreamObserver<Kvrpcpb.BatchRollbackResponse> out) {
        txn.kvBatchRollback(request, out);
    }

    @Override
    public void kvResolveLock(Kvrpcpb.ResolveLockRequest request, StreamObserver<Kvrpcpb.ResolveLockResponse> out) {
        txn.kvResolveLock(request, out);
    }

    // ---- Answering: synchronous, asynchronous, and error mapping ----

    /**
     * Runs {@code body} and answers with its response, or maps a failure: region errors into the
     * response; bad requests and storage failures into the response's {@code error} string when it
     * has one ({@code errorField} non-null), else into gRPC status INVALID_ARGUMENT / INTERNAL.
     */
    private static <R> void unary(
            StreamObserver<R> out,
            Supplier<R> body,
            Function<Errorpb.Error, R> regionError,
            Function<String, R> errorField) {
        R response;
        try {
            response = body.get();
        } catch (RuntimeException e) {
            answer(out, null, e, regionError, errorField);
            return;
        }
        answer(out, response, null, regionError, errorField);
    }

    /**
     * Like {@link #unary}, but {@code body} validates and starts the work on the handler thread and
     * the answer goes out when its future completes — from the thread that completes it (the Raft
     * command's callback), so no handler thread waits for Raft. Errors map as in {@link #unary},
     * whether thrown at once or completed later.
     */
    private static <R> void unaryAsync(
            StreamObserver<R> out,
            Supplier<CompletableFuture<R>> body,
            Function<Errorpb.Error, R> regionError,
            Function<String, R> errorField) {
        CompletableFuture<R> pending;
        try {
            pending = body.get();
        } catch (RuntimeException e) {
            answer(out, null, e, regionError, errorField);
            return;
        }
        pending.whenComplete((response, failure) -> answer(out, response, failure, regionError, errorField));
    }

    /**
     * A read: {@code validate} runs on the handler thread, the snapshot is asked for without
     * waiting, and {@code body} reads it on the read executor once it is ready, never on the Raft
     * thread that hands it over. The reader is closed in every case, also when the call was
     * cancelled meanwhile (then nothing is read) or the executor is full ({@code server_is_busy}).
     */
    private <V, R> void read(
            StreamObserver<R> out,
            Kvrpcpb.Context ctx,
            Supplier<V> validate,
            BiFunction<V, StorageReader, R> body,
            Function<Errorpb.Error, R> regionError,
            Function<String, R> errorField) {
        unaryAsync(
                out,
                () -> {
                    V args = validate.get();
                    CompletableFuture<R> answered = new CompletableFuture<>();
                    storage.readerAsync(ctx).whenComplete((reader, failure) -> {
                        if (failure != null) {
                            answered.completeExceptionally(failure);
                            return;
                        }
                        Runnable readTask = () -> {
                            try (reader) {
                                if (out instanceof ServerCallStreamObserver<R> call && call.isCancelled()) {
                                    answered.completeExceptionally(Status.CANCELLED
                                            .withDescription("the client cancelled the call")
                                            .asRuntimeException());
                                    return;
                                }
                                answered.complete(body.apply(args, reader));
                            } catch (RuntimeException | Error e) {
                                answered.completeExceptionally(e);
                            }
                        };
                        try {
                            readExecutor.execute(readTask);
                        } catch (RejectedExecutionException e) {
                            reader.close();
                            answered.completeExceptionally(new RegionException(Errorpb.Error.newBuilder()
                                    .setMessage("read pool is full")
                                    .setServerIsBusy(
                                            Errorpb.ServerIsBusy.newBuilder().setReason("read pool is full"))
                                    .build()));
                        }
                    });
                    return answered;
                },
                regionError,
                errorField);
    }

    /**
     * Sends the response, or maps the failure (see {@link #unary}). Never throws: it may run on the
     * Raft thread, which must not fail because a client went away.
     */
    private static <R> void answer(
            StreamObserver<R> out,
            R response,
            Throwable failure,
            Function<Errorpb.Error, R> regionError,
            Function<String, R> errorField) {
        try {
            if (failure == null) {
                out.onNext(response);
                out.onCompleted();
                return;
            }
            Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            R mapped;
            switch (cause) {
                case RegionException e -> mapped = regionError.apply(e.error());
                case ResponseBudget.ResponseTooLargeException e -> {
                    out.onError(Status.RESOURCE_EXHAUSTED
                            .withDescription(e.getMessage())
                            .asRuntimeException());
                    return;
                }
                case InvalidRequestException e -> {
                    if (errorField == null) {
                        out.onError(Status.INVALID_ARGUMENT
                                .withDescription(e.getMessage())
                                .asRuntimeException());
                        return;
                    }
                    mapped = errorField.apply(e.getMessage());
                }
                case StorageException e -> {
                    LOG.error("storage failed while serving a request", e);
                    String message = "storage error: " + e.getMessage();
                    if (errorField == null) {
                        out.onError(Status.INTERNAL.withDescription(message).asRuntimeException());
                        return;
                    }
                    mapped = errorField.apply(message);
                }
                case StatusRuntimeException e -> {
                    out.onError(e);
                    return;
                }
                default -> {
                    // A bug, not bad input: say so plainly instead of gRPC's bare UNKNOWN.
                    LOG.error("unexpected failure while serving a request", cause);
                    out.onError(Status.INTERNAL
                            .withDescription("internal error: " + cause)
                            .asRuntimeException());
                    return;
                }
            }
            out.onNext(mapped);
            out.onCompleted();
        } catch (RuntimeException e) {
            // The call is gone (cancelled, or its deadline passed): nobody is left to answer.
            LOG.debug("could not answer a request", e);
        }
    }
}
