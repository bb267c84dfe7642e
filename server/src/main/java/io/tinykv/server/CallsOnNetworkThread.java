package io.tinykv.server;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.raftstore.transport.grpc.PeerService;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Which calls the store's gRPC server runs on the network thread that read them, instead of handing
 * them to a handler thread: those whose handler only checks the request and queues the work for
 * another thread, where a handler thread would only add a thread wake-up to the call's path. They
 * are the Raft streams between stores ({@link PeerService#RAFT_STREAMS_ON_NETWORK_THREAD}), and the
 * raw writes: {@link TikvService} validates one, proposes it to Raft and is answered from the
 * command's callback. A raw write for CAS ({@code for_cas}) waits for its keys' latches, and
 * TikvService hands that one to a handler thread itself. Every other call (reads, which wait for
 * their snapshot on the read executor; transactional commands, which read the engine under latches)
 * keeps the handler executor.
 */
public final class CallsOnNetworkThread implements ServerCallExecutorSupplier {

    public static final CallsOnNetworkThread INSTANCE = new CallsOnNetworkThread();

    private static final Set<String> RAW_WRITES = Set.of(
            TikvGrpc.getRawPutMethod().getFullMethodName(),
            TikvGrpc.getRawBatchPutMethod().getFullMethodName(),
            TikvGrpc.getRawDeleteMethod().getFullMethodName(),
            TikvGrpc.getRawBatchDeleteMethod().getFullMethodName());

    private CallsOnNetworkThread() {}

    /** Whether calls of {@code fullMethodName} run on the network thread. */
    public static boolean runsOnNetworkThread(String fullMethodName) {
        return RAW_WRITES.contains(fullMethodName);
    }

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
        if (runsOnNetworkThread(call.getMethodDescriptor().getFullMethodName())) {
            return MoreExecutors.directExecutor();
        }
        return PeerService.RAFT_STREAMS_ON_NETWORK_THREAD.getExecutor(call, metadata);
    }
}
