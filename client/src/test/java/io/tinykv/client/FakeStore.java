package io.tinykv.client;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * One fake store serving RawKV from the cluster's shared data, after the checks a real store makes
 * (see {@link FakeCluster#check}). Scans follow TiKV: forward scans read {@code [start_key, end_key)},
 * reverse scans read {@code [end_key, start_key)} downwards, both clipped to the region. Gets, scans
 * and puts can be held past the client's deadline ({@link TxnFaults#holdBeforeExecuting}).
 */
public final class FakeStore extends TikvGrpc.TikvImplBase {
    private final FakeCluster cluster;
    private final long storeId;
    private final TxnFaults faults;

    public FakeStore(FakeCluster cluster, long storeId) {
        this(cluster, storeId, new TxnFaults());
    }

    public FakeStore(FakeCluster cluster, long storeId, TxnFaults faults) {
        this.cluster = cluster;
        this.storeId = storeId;
        this.faults = faults;
    }

    @Override
    public void rawGet(Kvrpcpb.RawGetRequest request, StreamObserver<Kvrpcpb.RawGetResponse> observer) {
        serve("RawGet", List.of(request.getKey()), () -> get(request), observer);
    }

    private Kvrpcpb.RawGetResponse get(Kvrpcpb.RawGetRequest request) {
        Kvrpcpb.RawGetResponse.Builder response = Kvrpcpb.RawGetResponse.newBuilder();
        synchronized (cluster) {
            Errorpb.Error error = cluster.check(storeId, "RawGet", request.getContext(), List.of(request.getKey()));
            if (error != null) {
                response.setRegionError(error);
            } else {
                ByteString value = cluster.cf(request.getCf()).get(request.getKey());
                if (value == null) {
                    response.setNotFound(true);
                } else {
                    response.setValue(value);
                }
            }
        }
        return response.build();
    }

    @Override
    public void rawBatchGet(Kvrpcpb.RawBatchGetRequest request, StreamObserver<Kvrpcpb.RawBatchGetResponse> observer) {
        serve("RawBatchGet", request.getKeysList(), () -> batchGet(request), observer);
    }

    private Kvrpcpb.RawBatchGetResponse batchGet(Kvrpcpb.RawBatchGetRequest request) {
        Kvrpcpb.RawBatchGetResponse.Builder response = Kvrpcpb.RawBatchGetResponse.newBuilder();
        synchronized (cluster) {
            Errorpb.Error error = cluster.check(storeId, "RawBatchGet", request.getContext(), request.getKeysList());
            if (error != null) {
                response.setRegionError(error);
            } else {
                for (ByteString key : request.getKeysList()) {
                    ByteString value = cluster.cf(request.getCf()).get(key);
                    if (value != null) {
                        response.addPairs(
                                Kvrpcpb.KvPair.newBuilder().setKey(key).setValue(value));
                    }
                }
            }
        }
        return response.build();
    }

    /** Splits at the one key (raw mode only), answering both halves; a key starting a region is refused. */
    @Override
    public void splitRegion(Kvrpcpb.SplitRegionRequest request, StreamObserver<Kvrpcpb.SplitRegionResponse> observer) {
        Kvrpcpb.SplitRegionResponse.Builder response = Kvrpcpb.SplitRegionResponse.newBuilder();
        synchronized (cluster) {
            Errorpb.Error error =
                    cluster.check(storeId, "SplitRegion", request.getContext(), request.getSplitKeysList());
            if (error != null) {
                response.setRegionError(error);
            } else if (!request.getIsRawKv() || request.getSplitKeysCount() != 1) {
                response.addErrors(Kvrpcpb.KeyError.newBuilder().setAbort("one raw split key expected"));
            } else {
                ByteString key = request.getSplitKeys(0);
                try {
                    long right = cluster.split(key);
                    for (FakeCluster.Region r : cluster.regions()) {
                        if (r.meta().getId() == request.getContext().getRegionId()
                                || r.meta().getId() == right) {
                            response.addRegions(r.meta());
                        }
                    }
                } catch (IllegalArgumentException e) {
                    response.addErrors(Kvrpcpb.KeyError.newBuilder().setAbort("bad split key: " + e.getMessage()));
                }
            }
        }
        reply(observer, response.build());
    }

    @Override
    public void rawPut(Kvrpcpb.RawPutRequest request, StreamObserver<Kvrpcpb.RawPutResponse> observer) {
        serve("RawPut", List.of(request.getKey()), () -> put(request), observer);
    }

    private Kvrpcpb.RawPutResponse put(Kvrpcpb.RawPutRequest request) {
        Kvrpcpb.RawPutResponse.Builder response = Kvrpcpb.RawPutResponse.newBuilder();
        synchronized (cluster) {
            Errorpb.Error error = cluster.check(storeId, "RawPut", request.getContext(), List.of(request.getKey()));
            String kvError = error == null ? cluster.takeKvError() : null;
            if (error != null) {
                response.setRegionError(error);
            } else if (kvError != null) {
                response.setError(kvError);
            } else {
                cluster.cf(request.getCf()).put(request.getKey(), request.getValue());
            }
        }
        return response.build();
    }

    @Override
    public void rawBatchPut(Kvrpcpb.RawBatchPutRequest request, StreamObserver<Kvrpcpb.RawBatchPutResponse> observer) {
        Kvrpcpb.RawBatchPutResponse.Builder response = Kvrpcpb.RawBatchPutResponse.newBuilder();
        synchronized (cluster) {
            List<ByteString> keys =
                    request.getPairsList().stream().map(Kvrpcpb.KvPair::getKey).toList();
            Errorpb.Error error = cluster.check(storeId, "RawBatchPut", request.getContext(), keys);
            if (error != null) {
                response.setRegionError(error);
            } else {
                request.getPairsList().forEach(p -> cluster.cf(request.getCf()).put(p.getKey(), p.getValue()));
            }
        }
        reply(observer, response.build());
    }

    @Override
    public void rawDelete(Kvrpcpb.RawDeleteRequest request, StreamObserver<Kvrpcpb.RawDeleteResponse> observer) {
        Kvrpcpb.RawDeleteResponse.Builder response = Kvrpcpb.RawDeleteResponse.newBuilder();
        synchronized (cluster) {
            Errorpb.Error error = cluster.check(storeId, "RawDelete", request.getContext(), List.of(request.getKey()));
            if (error != null) {
                response.setRegionError(error);
            } else {
                cluster.cf(request.getCf()).remove(request.getKey());
            }
        }
        reply(observer, response.build());
    }

    @Override
    public void rawBatchDelete(
            Kvrpcpb.RawBatchDeleteRequest request, StreamObserver<Kvrpcpb.RawBatchDeleteResponse> observer) {
        Kvrpcpb.RawBatchDeleteResponse.Builder response = Kvrpcpb.RawBatchDeleteResponse.newBuilder();
        synchronized (cluster) {
            Errorpb.Error error = cluster.check(storeId, "RawBatchDelete", request.getContext(), request.getKeysList());
            if (error != null) {
                response.setRegionError(error);
            } else {
                request.getKeysList().forEach(cluster.cf(request.getCf())::remove);
            }
        }
        reply(observer, response.build());
    }

    @Override
    public void rawDeleteRange(
            Kvrpcpb.RawDeleteRangeRequest request, StreamObserver<Kvrpcpb.RawDeleteRangeResponse> observer) {
        Kvrpcpb.RawDeleteRangeResponse.Builder response = Kvrpcpb.RawDeleteRangeResponse.newBuilder();
        synchronized (cluster) {
            Errorpb.Error error =
                    cluster.check(storeId, "RawDeleteRange", request.getContext(), List.of(request.getStartKey()));
            FakeCluster.Region region = cluster.regionById(request.getContext().getRegionId());
            if (error == null
                    && !Keys.minEnd(request.getEndKey(), region.meta().getEndKey())
                            .equals(request.getEndKey())) {
                error = keyNotInRegion(request.getEndKey(), region);
            }
            if (error != null) {
                response.setRegionError(error);
            } else {
                NavigableMap<ByteString, ByteString> cf = cluster.cf(request.getCf());
                cf.subMap(request.getStartKey(), true, request.getEndKey(), false)
                        .clear();
            }
        }
        reply(observer, response.build());
    }

    @Override
    public void rawScan(Kvrpcpb.RawScanRequest request, StreamObserver<Kvrpcpb.RawScanResponse> observer) {
        serve(
                request.getReverse() ? "RawScanReverse" : "RawScan",
                List.of(request.getStartKey()),
                () -> scan(request),
                observer);
    }

    private Kvrpcpb.RawScanResponse scan(Kvrpcpb.RawScanRequest request) {
        Kvrpcpb.RawScanResponse.Builder response = Kvrpcpb.RawScanResponse.newBuilder();
        synchronized (cluster) {
            // The key the store checks against the region: the lower bound of either direction.
            ByteString anchor = request.getReverse() ? request.getEndKey() : request.getStartKey();
            Errorpb.Error error = cluster.check(
                    storeId,
                    request.getReverse() ? "RawScanReverse" : "RawScan",
                    request.getContext(),
                    List.of(anchor));
            if (error != null) {
                response.setRegionError(error);
            } else {
                FakeCluster.Region region =
                        cluster.regionById(request.getContext().getRegionId());
                ByteString lower = request.getReverse() ? request.getEndKey() : request.getStartKey();
                ByteString upper = Keys.minEnd(
                        request.getReverse() ? request.getStartKey() : request.getEndKey(),
                        region.meta().getEndKey());
                NavigableMap<ByteString, ByteString> cf = cluster.cf(request.getCf());
                NavigableMap<ByteString, ByteString> range =
                        upper.isEmpty() ? cf.tailMap(lower, true) : cf.subMap(lower, true, upper, false);
                if (request.getReverse()) {
                    range = range.descendingMap();
                }
                List<Kvrpcpb.KvPair> pairs = new ArrayList<>();
                for (Map.Entry<ByteString, ByteString> entry : range.entrySet()) {
                    if (pairs.size() == request.getLimit()) {
                        break;
                    }
                    pairs.add(Kvrpcpb.KvPair.newBuilder()
                            .setKey(entry.getKey())
                            .setValue(request.getKeyOnly() ? ByteString.EMPTY : entry.getValue())
                            .build());
                }
                response.addAllKvs(pairs);
            }
        }
        return response.build();
    }

    /** Answers {@code execute}'s response now, or holds the request back to execute it late. */
    private <T> void serve(
            String method, List<ByteString> keys, java.util.function.Supplier<T> execute, StreamObserver<T> observer) {
        if (faults.holdsBack(storeId, method, keys, execute::get)) {
            return; // the client's deadline passes; the test runs it later, and nobody reads the answer
        }
        reply(observer, execute.get());
    }

    private static Errorpb.Error keyNotInRegion(ByteString key, FakeCluster.Region region) {
        return Errorpb.Error.newBuilder()
                .setMessage("key not in region")
                .setKeyNotInRegion(Errorpb.KeyNotInRegion.newBuilder()
                        .setKey(key)
                        .setRegionId(region.meta().getId()))
                .build();
    }

    private static <T> void reply(StreamObserver<T> observer, T response) {
        observer.onNext(response);
        observer.onCompleted();
    }
}
