package io.tinykv.server;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.raftstore.transport.grpc.PeerService;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;

/**
 * Which calls the store's gRPC server runs on the network thread that read them, instead of handing
 * them to a handler thread: those whose handler only checks the request and queues the work for
 * another thread, where a handler thread would only add a thread wake-up to the call's path.
 * <ul>
 *   <li>The Raft streams between stores ({@link PeerService#RAFT_STREAMS_ON_NETWORK_THREAD}).
 *   <li>The raw writes: {@link TikvService} validates one and proposes it to Raft; the answer comes
 *       from the command's callback. A write for CAS ({@code for_cas}) waits for its keys' latches,
 *       and TikvService hands that one to a handler thread itself.
 *   <li>The raw reads: validated here, the snapshot asked for without waiting (taken at once under
 *       the leader's lease, or after a ReadIndex round on the Raft thread), and the engine read on
 *       the read executor.
 * </ul>
 *
 * <p>The server must be built with {@code directExecutor()} and this as its {@code callExecutor}:
 * gRPC looks the method up, and asks this supplier, on the server's own executor, and the call's
 * first message and half-close usually arrive with its headers and queue behind that lookup. With a
 * pool there, every call would still start on a pool thread. So the lookup runs on the network
 * thread, and this supplier hands every call not listed here to the handler executor.
 *
 * <p>Every other call runs on the handler executor: the raw CAS and range delete wait for latches, and
 * the transactional commands read the engine under latches on the calling thread. So does any call
 * another store is to answer ({@link ForwardedCalls#FORWARDED_HOST}): relaying it may first ask the
 * scheduler which stores exist, a blocking call that must never hold up a network thread, whose
 * other connections (the Raft streams among them) would stall with it. Clients forward exactly when
 * a leader is unreachable, so that is when a stalled store would hurt most.
 */
public final class CallsOnNetworkThread implements ServerCallExecutorSupplier {

    private static final Set<String> RAW_WRITES_AND_READS = Set.of(
            TikvGrpc.getRawPutMethod().getFullMethodName(),
            TikvGrpc.getRawBatchPutMethod().getFullMethodName(),
            TikvGrpc.getRawDeleteMethod().getFullMethodName(),
            TikvGrpc.getRawBatchDeleteMethod().getFullMethodName(),
            TikvGrpc.getRawGetMethod().getFullMethodName(),
            TikvGrpc.getRawBatchGetMethod().getFullMethodName(),
            TikvGrpc.getRawScanMethod().getFullMethodName(),
            TikvGrpc.getRawGetKeyTTLMethod().getFullMethodName());

    private final Executor handlers;

    /** @param handlers runs every call that may wait (the store's bounded handler executor) */
    public CallsOnNetworkThread(Executor handlers) {
        this.handlers = Objects.requireNonNull(handlers, "handlers");
    }

    /** Whether calls of {@code fullMethodName} run on the network thread. */
    public static boolean runsOnNetworkThread(String fullMethodName) {
        return RAW_WRITES_AND_READS.contains(fullMethodName);
    }

    @Override
    public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
        if (runsOnNetworkThread(call.getMethodDescriptor().getFullMethodName())
                && !metadata.containsKey(ForwardedCalls.FORWARDED_HOST)) {
            return MoreExecutors.directExecutor();
        }
        Executor raftStreams = PeerService.RAFT_STREAMS_ON_NETWORK_THREAD.getExecutor(call, metadata);
        return raftStreams != null ? raftStreams : handlers;
    }
}
