package io.tinykv.server;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
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
import java.util.OptionalLong;
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
    /** Null where regions do not split (the standalone process). */
    private final RegionSplitter splitter;

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
    public TikvService(Storage storage, RequestValidator validator, TxnHandler txn, RawValues values,
            RegionSplitter splitter) {
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
     * {@code split_key}). Region boundaries in this cluster are raw keys, so raw-mode keys are used
     * as sent. Transactional mode ({@code is_raw_kv} false) is refused: the raftstore compares a
     * transaction's memcomparable-encoded engine keys with raw region boundaries, which is sound
     * only while the key space is one region.
     */
    @Override
    public void splitRegion(Kvrpcpb.SplitRegionRequest req, StreamObserver<Kvrpcpb.SplitRegionResponse> out) {
        unary(out, () -> {
            if (splitter == null) {
                throw new InvalidRequestException("SplitRegion: this process does not split regions");
            }
            if (!req.getIsRawKv()) {
                throw new InvalidRequestException("SplitRegion: only raw-mode splits (is_raw_kv) are supported;"
                        + " regions of transactional data are not split yet");
            }
            List<ByteString> keys = req.getSplitKeysCount() > 0 ? req.getSplitKeysList()
                    : req.getSplitKey().isEmpty() ? List.of() : List.of(req.getSplitKey());
            if (keys.isEmpty()) {
                throw new InvalidRequestException("SplitRegion: no split keys given");
            }
            validator.batchSize(keys.size(), "split keys");
            keys.forEach(validator::rawKey);
            List<ByteString> sorted = keys.stream().distinct()
                    .sorted(ByteString.unsignedLexicographicalComparator()).toList();
            List<io.tinykv.proto.Metapb.Region> regions = splitter.split(req.getContext(), sorted);
            Kvrpcpb.SplitRegionResponse.Builder resp = Kvrpcpb.SplitRegionResponse.newBuilder().addAllRegions(regions);
            if (regions.size() >= 2) {
                resp.setLeft(regions.get(regions.size() - 2)).setRight(regions.get(regions.size() - 1));
            }
            return resp.build();
        }, e -> Kvrpcpb.SplitRegionResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.SplitRegionResponse.newBuilder().addErrors(Kvrpcpb.KeyError.newBuilder().setAbort(s))
                        .build());
    }

    // ---- RawKV ----

    @Override
    public void rawGet(Kvrpcpb.RawGetRequest req, StreamObserver<Kvrpcpb.RawGetResponse> out) {
        unary(out, () -> {
            Cf cf = validator.columnFamily(req.getCf());
            validator.rawKey(req.getKey());
            RawValues.Now now = values.now();
            byte[] value;
            try (StorageReader reader = storage.reader(req.getContext())) {
                value = now.visible(reader.get(cf, req.getKey().toByteArray()));
            }
            Kvrpcpb.RawGetResponse.Builder resp = Kvrpcpb.RawGetResponse.newBuilder();
            return value == null ? resp.setNotFound(true).build() : resp.setValue(ByteString.copyFrom(value)).build();
        }, e -> Kvrpcpb.RawGetResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawGetResponse.newBuilder().setError(s).build());
    }

    /** Answers the pairs that exist, in request order; absent (and expired) keys are left out, as TiKV does. */
    @Override
    public void rawBatchGet(Kvrpcpb.RawBatchGetRequest req, StreamObserver<Kvrpcpb.RawBatchGetResponse> out) {
        unary(out, () -> {
            Cf cf = validator.columnFamily(req.getCf());
            List<ByteString> keys = validator.distinctRawKeys(req.getKeysList());
            ResponseBudget budget = validator.responseBudget();
            Kvrpcpb.RawBatchGetResponse.Builder resp = Kvrpcpb.RawBatchGetResponse.newBuilder();
            RawValues.Now now = values.now();
            try (StorageReader reader = storage.reader(req.getContext())) {
                for (ByteString key : keys) {
                    byte[] value = now.visible(reader.get(cf, key.toByteArray()));
                    if (value != null) {
                        budget.charge((long) key.size() + value.length);
                        resp.addPairs(Kvrpcpb.KvPair.newBuilder().setKey(key).setValue(ByteString.copyFrom(value)));
                    }
                }
            }
            return resp.build();
        }, e -> Kvrpcpb.RawBatchGetResponse.newBuilder().setRegionError(e).build(), null);
    }

    @Override
    public void rawPut(Kvrpcpb.RawPutRequest req, StreamObserver<Kvrpcpb.RawPutResponse> out) {
        unary(out, () -> {
            Cf cf = validator.writableColumnFamily(req.getCf());
            validator.rawKey(req.getKey());
            byte[] stored = values.now().stored(req.getValue().toByteArray(), req.getTtl());
            validator.writeSize(req.getContext().getRegionId(),
                    req.getSerializedSize() + (long) values.overheadBytesPerValue());
            write(req.getContext(), req.getForCas(), List.of(req.getKey()), List.of(
                    new Modify.Put(cf, req.getKey().toByteArray(), stored)));
            return Kvrpcpb.RawPutResponse.getDefaultInstance();
        }, e -> Kvrpcpb.RawPutResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawPutResponse.newBuilder().setError(s).build());
    }

    @Override
    public void rawBatchPut(Kvrpcpb.RawBatchPutRequest req, StreamObserver<Kvrpcpb.RawBatchPutResponse> out) {
        unary(out, () -> {
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
                byte[] stored = now.stored(pair.getValue().toByteArray(), ttls[i]);
                batch.add(new Modify.Put(cf, pair.getKey().toByteArray(), stored));
            }
            validator.writeSize(req.getContext().getRegionId(),
                    req.getSerializedSize() + (long) values.overheadBytesPerValue() * req.getPairsCount());
            if (!batch.isEmpty()) {
                write(req.getContext(), req.getForCas(), keys, batch);
            }
            return Kvrpcpb.RawBatchPutResponse.getDefaultInstance();
        }, e -> Kvrpcpb.RawBatchPutResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawBatchPutResponse.newBuilder().setError(s).build());
    }

    @Override
    public void rawDelete(Kvrpcpb.RawDeleteRequest req, StreamObserver<Kvrpcpb.RawDeleteResponse> out) {
        unary(out, () -> {
            Cf cf = validator.writableColumnFamily(req.getCf());
            validator.rawKey(req.getKey());
            write(req.getContext(), req.getForCas(), List.of(req.getKey()),
                    List.of(new Modify.Delete(cf, req.getKey().toByteArray())));
            return Kvrpcpb.RawDeleteResponse.getDefaultInstance();
        }, e -> Kvrpcpb.RawDeleteResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawDeleteResponse.newBuilder().setError(s).build());
    }

    @Override
    public void rawBatchDelete(Kvrpcpb.RawBatchDeleteRequest req,
            StreamObserver<Kvrpcpb.RawBatchDeleteResponse> out) {
        unary(out, () -> {
            Cf cf = validator.writableColumnFamily(req.getCf());
            validator.batchSize(req.getKeysCount(), "keys");
            List<Modify> batch = new ArrayList<>(req.getKeysCount());
            for (ByteString key : req.getKeysList()) {
                validator.rawKey(key);
                batch.add(new Modify.Delete(cf, key.toByteArray()));
            }
            validator.writeSize(req.getContext().getRegionId(), req.getSerializedSize());
            if (!batch.isEmpty()) {
                write(req.getContext(), req.getForCas(), req.getKeysList(), batch);
            }
            return Kvrpcpb.RawBatchDeleteResponse.getDefaultInstance();
        }, e -> Kvrpcpb.RawBatchDeleteResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawBatchDeleteResponse.newBuilder().setError(s).build());
    }

    /**
     * Removes {@code [start_key, end_key)}; an empty end key means "to the end of the key space", so
     * start = end = empty removes every key. Only a non-empty start equal to its end is empty.
     * It excludes every latched write while it runs (see {@link RawCasLatches}).
     */
    @Override
    public void rawDeleteRange(Kvrpcpb.RawDeleteRangeRequest req,
            StreamObserver<Kvrpcpb.RawDeleteRangeResponse> out) {
        unary(out, () -> {
            Cf cf = validator.writableColumnFamily(req.getCf());
            validator.deleteRange(req.getStartKey(), req.getEndKey());
            boolean emptyRange = !req.getEndKey().isEmpty() && req.getStartKey().equals(req.getEndKey());
            if (!emptyRange) {
                try (RawCasLatches.Guard guard = latches.acquireAll()) {
                    write(req.getContext(), guard, List.of(new Modify.DeleteRange(
                            cf, req.getStartKey().toByteArray(), req.getEndKey().toByteArray())));
                }
            }
            return Kvrpcpb.RawDeleteRangeResponse.getDefaultInstance();
        }, e -> Kvrpcpb.RawDeleteRangeResponse.newBuilder().setRegionError(e).build(),
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
        unary(out, () -> {
            Cf cf = validator.writableColumnFamily(req.getCf());
            validator.rawKey(req.getKey());
            // Refused (ttl off, or overflowing) before any latch; the expiry counts from the request's arrival.
            byte[] stored = values.now().stored(req.getValue().toByteArray(), req.getTtl());
            validator.writeSize(req.getContext().getRegionId(),
                    req.getSerializedSize() + (long) values.overheadBytesPerValue());
            byte[] key = req.getKey().toByteArray();
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
        }, e -> Kvrpcpb.RawCASResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawCASResponse.newBuilder().setError(s).build());
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
        unary(out, () -> {
            Cf cf = validator.columnFamily(req.getCf());
            int limit = validator.scanLimit(req.getLimit());
            validator.boundKey(req.getStartKey(), "start_key");
            validator.boundKey(req.getEndKey(), "end_key");
            Kvrpcpb.RawScanResponse.Builder resp = Kvrpcpb.RawScanResponse.newBuilder();
            if (limit == 0) {
                return resp.build();
            }
            RawValues.Now now = values.now();
            ResponseBudget budget = validator.responseBudget();
            try (StorageReader reader = storage.reader(req.getContext());
                    KvIterator it = reader.iterator(cf)) {
                byte[] start = req.getStartKey().toByteArray();
                byte[] end = req.getEndKey().toByteArray();
                if (req.getReverse()) {
                    positionBelow(it, start);
                } else {
                    it.seek(start);
                }
                while (it.valid() && resp.getKvsCount() < limit) {
                    byte[] key = it.key();
                    if (end.length > 0 && (req.getReverse()
                            ? Arrays.compareUnsigned(key, end) < 0
                            : Arrays.compareUnsigned(key, end) >= 0)) {
                        break;
                    }
                    byte[] value = now.visible(it.value());
                    if (value != null) {
                        budget.chargePair(key, req.getKeyOnly() ? null : value);
                        Kvrpcpb.KvPair.Builder pair = Kvrpcpb.KvPair.newBuilder().setKey(ByteString.copyFrom(key));
                        if (!req.getKeyOnly()) {
                            pair.setValue(ByteString.copyFrom(value));
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
        }, e -> Kvrpcpb.RawScanResponse.newBuilder().setRegionError(e).build(), null);
    }

    /**
     * TiKV's RawGetKeyTTL: the whole seconds left before the key expires, 0 for a key without
     * expiry, {@code not_found} for a missing or expired key. Refused while TTL is off.
     */
    @Override
    public void rawGetKeyTTL(Kvrpcpb.RawGetKeyTTLRequest req, StreamObserver<Kvrpcpb.RawGetKeyTTLResponse> out) {
        unary(out, () -> {
            Cf cf = validator.columnFamily(req.getCf());
            validator.rawKey(req.getKey());
            RawValues.Now now = values.now();
            OptionalLong left;
            try (StorageReader reader = storage.reader(req.getContext())) {
                left = now.secondsLeft(reader.get(cf, req.getKey().toByteArray()));
            }
            Kvrpcpb.RawGetKeyTTLResponse.Builder resp = Kvrpcpb.RawGetKeyTTLResponse.newBuilder();
            return left.isEmpty() ? resp.setNotFound(true).build() : resp.setTtl(left.getAsLong()).build();
        }, e -> Kvrpcpb.RawGetKeyTTLResponse.newBuilder().setRegionError(e).build(),
                s -> Kvrpcpb.RawGetKeyTTLResponse.newBuilder().setError(s).build());
    }

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
    public void kvTxnHeartBeat(Kvrpcpb.TxnHeartBeatRequest request,
            StreamObserver<Kvrpcpb.TxnHeartBeatResponse> out) {
        txn.kvTxnHeartBeat(request, out);
    }

    @Override
    public void kvCheckTxnStatus(Kvrpcpb.CheckTxnStatusRequest request,
            StreamObserver<Kvrpcpb.CheckTxnStatusResponse> out) {
        txn.kvCheckTxnStatus(request, out);
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
    public void kvBatchRollback(Kvrpcpb.BatchRollbackRequest request,
            StreamObserver<Kvrpcpb.BatchRollbackResponse> out) {
        txn.kvBatchRollback(request, out);
    }

    @Override
    public void kvResolveLock(Kvrpcpb.ResolveLockRequest request,
            StreamObserver<Kvrpcpb.ResolveLockResponse> out) {
        txn.kvResolveLock(request, out);
    }

    // ---- Error mapping ----

    /**
     * Runs {@code body} and answers with its response, or maps a failure: region errors into the
     * response; bad requests and storage failures into the response's {@code error} string when it
     * has one ({@code errorField} non-null), else into gRPC status INVALID_ARGUMENT / INTERNAL.
     */
    private static <R> void unary(StreamObserver<R> out, Supplier<R> body,
            Function<Errorpb.Error, R> regionError, Function<String, R> errorField) {
        R response;
        try {
            response = body.get();
        } catch (RegionException e) {
            response = regionError.apply(e.error());
        } catch (ResponseBudget.ResponseTooLargeException e) {
            out.onError(Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (InvalidRequestException e) {
            if (errorField == null) {
                out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
                return;
            }
            response = errorField.apply(e.getMessage());
        } catch (StorageException e) {
            LOG.error("storage failed while serving a request", e);
            String message = "storage error: " + e.getMessage();
            if (errorField == null) {
                out.onError(Status.INTERNAL.withDescription(message).asRuntimeException());
                return;
            }
            response = errorField.apply(message);
        } catch (RuntimeException e) {
            // A bug, not bad input: say so plainly instead of gRPC's bare UNKNOWN.
            LOG.error("unexpected failure while serving a request", e);
            out.onError(Status.INTERNAL.withDescription("internal error: " + e).asRuntimeException());
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }
}
