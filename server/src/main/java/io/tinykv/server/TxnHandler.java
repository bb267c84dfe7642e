package io.tinykv.server;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Kvrpcpb;

/**
 * The transactional half of {@code tikvpb.Tikv}: {@link TikvService} hands every {@code Kv*} call
 * to one of these. Until the Percolator module is wired in, {@link #NOT_AVAILABLE} answers each
 * call with gRPC status {@code UNIMPLEMENTED} and a message pointing at the work that adds them.
 */
public interface TxnHandler {

    String NOT_AVAILABLE_MESSAGE = "transactions are not implemented yet (see issue: Percolator transactions)";

    /** Answers every transactional call with {@code UNIMPLEMENTED}. */
    TxnHandler NOT_AVAILABLE = new TxnHandler() { };

    default void kvGet(Kvrpcpb.GetRequest request, StreamObserver<Kvrpcpb.GetResponse> out) {
        notAvailable(out);
    }

    default void kvScan(Kvrpcpb.ScanRequest request, StreamObserver<Kvrpcpb.ScanResponse> out) {
        notAvailable(out);
    }

    default void kvPrewrite(Kvrpcpb.PrewriteRequest request, StreamObserver<Kvrpcpb.PrewriteResponse> out) {
        notAvailable(out);
    }

    default void kvTxnHeartBeat(Kvrpcpb.TxnHeartBeatRequest request,
            StreamObserver<Kvrpcpb.TxnHeartBeatResponse> out) {
        notAvailable(out);
    }

    default void kvCheckTxnStatus(Kvrpcpb.CheckTxnStatusRequest request,
            StreamObserver<Kvrpcpb.CheckTxnStatusResponse> out) {
        notAvailable(out);
    }

    default void kvCommit(Kvrpcpb.CommitRequest request, StreamObserver<Kvrpcpb.CommitResponse> out) {
        notAvailable(out);
    }

    default void kvCleanup(Kvrpcpb.CleanupRequest request, StreamObserver<Kvrpcpb.CleanupResponse> out) {
        notAvailable(out);
    }

    default void kvBatchGet(Kvrpcpb.BatchGetRequest request, StreamObserver<Kvrpcpb.BatchGetResponse> out) {
        notAvailable(out);
    }

    default void kvBatchRollback(Kvrpcpb.BatchRollbackRequest request,
            StreamObserver<Kvrpcpb.BatchRollbackResponse> out) {
        notAvailable(out);
    }

    default void kvResolveLock(Kvrpcpb.ResolveLockRequest request,
            StreamObserver<Kvrpcpb.ResolveLockResponse> out) {
        notAvailable(out);
    }

    private static void notAvailable(StreamObserver<?> out) {
        out.onError(Status.UNIMPLEMENTED.withDescription(NOT_AVAILABLE_MESSAGE).asRuntimeException());
    }
}
