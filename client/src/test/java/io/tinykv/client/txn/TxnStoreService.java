package io.tinykv.client.txn;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.TxnFaults;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.txn.TxnCommands;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One store of a {@link FakeCluster} serving the transactional Kv* RPCs from a real {@link
 * TxnCommands} (shared by all stores: one storage, no replication), after the region checks a real
 * store makes ({@link FakeCluster#check}), and with the {@link TxnFaults} a test arranged.
 */
final class TxnStoreService extends TikvGrpc.TikvImplBase {
    private final FakeCluster cluster;
    private final long storeId;
    private final TxnCommands commands;
    private final TxnFaults faults;

    TxnStoreService(FakeCluster cluster, long storeId, TxnCommands commands, TxnFaults faults) {
        this.cluster = cluster;
        this.storeId = storeId;
        this.commands = commands;
        this.faults = faults;
    }

    @Override
    public void kvGet(Kvrpcpb.GetRequest request, StreamObserver<Kvrpcpb.GetResponse> observer) {
        serve(
                "KvGet",
                request.getContext(),
                List.of(request.getKey()),
                () -> commands.get(request),
                e -> Kvrpcpb.GetResponse.newBuilder().setRegionError(e).build(),
                observer);
    }

    @Override
    public void kvBatchGet(Kvrpcpb.BatchGetRequest request, StreamObserver<Kvrpcpb.BatchGetResponse> observer) {
        serve(
                "KvBatchGet",
                request.getContext(),
                request.getKeysList(),
                () -> commands.batchGet(request),
                e -> Kvrpcpb.BatchGetResponse.newBuilder().setRegionError(e).build(),
                observer);
    }

    @Override
    public void kvScan(Kvrpcpb.ScanRequest request, StreamObserver<Kvrpcpb.ScanResponse> observer) {
        serve(
                "KvScan",
                request.getContext(),
                List.of(request.getStartKey()),
                () -> commands.scan(request),
                e -> Kvrpcpb.ScanResponse.newBuilder().setRegionError(e).build(),
                observer);
    }

    @Override
    public void kvPrewrite(Kvrpcpb.PrewriteRequest request, StreamObserver<Kvrpcpb.PrewriteResponse> observer) {
        List<ByteString> keys = request.getMutationsList().stream()
                .map(Kvrpcpb.Mutation::getKey)
                .toList();
        serve(
                "KvPrewrite",
                request.getContext(),
                keys,
                () -> commands.prewrite(request),
                e -> Kvrpcpb.PrewriteResponse.newBuilder().setRegionError(e).build(),
                observer);
    }

    @Override
    public void kvCommit(Kvrpcpb.CommitRequest request, StreamObserver<Kvrpcpb.CommitResponse> observer) {
        serve(
                "KvCommit",
                request.getContext(),
                request.getKeysList(),
                () -> commands.commit(request),
                e -> Kvrpcpb.CommitResponse.newBuilder().setRegionError(e).build(),
                observer);
    }

    @Override
    public void kvBatchRollback(
            Kvrpcpb.BatchRollbackRequest request, StreamObserver<Kvrpcpb.BatchRollbackResponse> observer) {
        serve(
                "KvBatchRollback",
                request.getContext(),
                request.getKeysList(),
                () -> commands.batchRollback(request),
                e -> Kvrpcpb.BatchRollbackResponse.newBuilder()
                        .setRegionError(e)
                        .build(),
                observer);
    }

    @Override
    public void kvCheckTxnStatus(
            Kvrpcpb.CheckTxnStatusRequest request, StreamObserver<Kvrpcpb.CheckTxnStatusResponse> observer) {
        serve(
                "KvCheckTxnStatus",
                request.getContext(),
                List.of(request.getPrimaryKey()),
                () -> commands.checkTxnStatus(request),
                e -> Kvrpcpb.CheckTxnStatusResponse.newBuilder()
                        .setRegionError(e)
                        .build(),
                observer);
    }

    @Override
    public void kvCheckSecondaryLocks(
            Kvrpcpb.CheckSecondaryLocksRequest request, StreamObserver<Kvrpcpb.CheckSecondaryLocksResponse> observer) {
        serve(
                "KvCheckSecondaryLocks",
                request.getContext(),
                request.getKeysList(),
                () -> commands.checkSecondaryLocks(request),
                e -> Kvrpcpb.CheckSecondaryLocksResponse.newBuilder()
                        .setRegionError(e)
                        .build(),
                observer);
    }

    @Override
    public void kvResolveLock(
            Kvrpcpb.ResolveLockRequest request, StreamObserver<Kvrpcpb.ResolveLockResponse> observer) {
        serve(
                "KvResolveLock",
                request.getContext(),
                request.getKeysList(),
                () -> commands.resolveLock(request),
                e -> Kvrpcpb.ResolveLockResponse.newBuilder().setRegionError(e).build(),
                observer);
    }

    @Override
    public void kvTxnHeartBeat(
            Kvrpcpb.TxnHeartBeatRequest request, StreamObserver<Kvrpcpb.TxnHeartBeatResponse> observer) {
        serve(
                "KvTxnHeartBeat",
                request.getContext(),
                List.of(request.getPrimaryLock()),
                () -> commands.txnHeartBeat(request),
                e -> Kvrpcpb.TxnHeartBeatResponse.newBuilder().setRegionError(e).build(),
                observer);
    }

    private <R> void serve(
            String method,
            Kvrpcpb.Context ctx,
            List<ByteString> keys,
            Supplier<R> execute,
            Function<Errorpb.Error, R> regionError,
            StreamObserver<R> observer) {
        if (faults.holdsBack(storeId, method, keys, () -> serveLate(method, ctx, keys, execute, regionError))) {
            return;
        }
        serveNow(method, ctx, keys, execute, regionError, observer);
    }

    /**
     * Serves a held request after its caller gave up; returns what it answered (a response, or the
     * Status it failed with).
     */
    private <R> Object serveLate(
            String method,
            Kvrpcpb.Context ctx,
            List<ByteString> keys,
            Supplier<R> execute,
            Function<Errorpb.Error, R> regionError) {
        return serveNow(method, ctx, keys, execute, regionError, new StreamObserver<R>() {
            @Override
            public void onNext(R value) {
                // The call was cancelled at its deadline: gRPC would refuse the answer, and nobody waits.
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        });
    }

    private <R> Object serveNow(
            String method,
            Kvrpcpb.Context ctx,
            List<ByteString> keys,
            Supplier<R> execute,
            Function<Errorpb.Error, R> regionError,
            StreamObserver<R> observer) {
        Errorpb.Error error = cluster.check(storeId, method, ctx, keys);
        if (error != null) {
            R response = regionError.apply(error);
            observer.onNext(response);
            observer.onCompleted();
            return response;
        }
        R response = execute.get();
        Status failure = faults.afterExecuting(method, keys);
        if (failure != null) {
            observer.onError(failure.asRuntimeException());
            return failure;
        }
        observer.onNext(response);
        observer.onCompleted();
        return response;
    }
}
