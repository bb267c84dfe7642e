package io.tinykv.raftstore.transport.grpc;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.RaftServerpb.BatchRaftMessage;
import io.tinykv.proto.RaftServerpb.Done;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.SnapshotChunk;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.snapshot.SnapshotReceiver;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side of the store-to-store service: hands every Raft message of the {@code Raft} and
 * {@code BatchRaft} streams to the local store, and a {@code Snapshot} stream's message once all its
 * chunks arrived and were checked. The server that exports it should accept messages of
 * {@link #MAX_INBOUND_MESSAGE_BYTES} ({@code ServerBuilder.maxInboundMessageSize}).
 */
public final class PeerService extends PeerGrpc.PeerImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(PeerService.class);

    /** A batch may hold one Raft entry of the largest allowed size (8 MiB by default) plus others. */
    public static final int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;
    /** A snapshot whose files are larger in total is refused (before any of it is written). */
    public static final long DEFAULT_MAX_SNAPSHOT_BYTES = 64L * 1024 * 1024 * 1024;

    /**
     * Runs the {@code Raft} and {@code BatchRaft} streams' messages on the network thread that read
     * them ({@code ServerBuilder.callExecutor}), every other call on the server's executor. Handing a
     * message to its peer's mailbox only queues it (the Raft thread does the work), so a hop through
     * a handler thread would add a thread wake-up to every message between stores, twice on the
     * critical path of each write (the append, and its acknowledgement). A message for a region
     * this store has no peer of is the exception: it may read and write the engines to create one,
     * which is rare and short.
     */
    public static final ServerCallExecutorSupplier RAFT_STREAMS_ON_NETWORK_THREAD = new ServerCallExecutorSupplier() {
        @Override
        public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata metadata) {
            String method = call.getMethodDescriptor().getFullMethodName();
            return method.equals(PeerGrpc.getBatchRaftMethod().getFullMethodName())
                            || method.equals(PeerGrpc.getRaftMethod().getFullMethodName())
                    ? MoreExecutors.directExecutor()
                    : null;
        }
    };

    private final RaftStore store;
    private final long maxSnapshotBytes;
    private final SnapshotRecvLimit recvLimit;
    private final AtomicLong snapshotsReceived = new AtomicLong();
    private final AtomicLong snapshotsRefusedTarget = new AtomicLong();

    PeerService(RaftStore store) {
        this(store, DEFAULT_MAX_SNAPSHOT_BYTES);
    }

    public PeerService(RaftStore store, long maxSnapshotBytes) {
        this(store, maxSnapshotBytes, SnapshotRecvLimit.defaults());
    }

    /**
     * @param maxSnapshotBytes one snapshot larger than this is refused
     * @param recvLimit how many snapshots, and bytes of them, are received at once
     */
    public PeerService(RaftStore store, long maxSnapshotBytes, SnapshotRecvLimit recvLimit) {
        this.store = Objects.requireNonNull(store, "store");
        if (maxSnapshotBytes <= 0) {
            throw new IllegalArgumentException("maxSnapshotBytes must be > 0, got " + maxSnapshotBytes);
        }
        this.maxSnapshotBytes = maxSnapshotBytes;
        this.recvLimit = Objects.requireNonNull(recvLimit, "recvLimit");
    }

    /** Snapshots received whole and handed to the store. */
    public long snapshotsReceived() {
        return snapshotsReceived.get();
    }

    /** Snapshot streams refused because as many, or as many bytes, were being received already. */
    public long snapshotsRefusedBusy() {
        return recvLimit.refused();
    }

    /** Snapshot streams refused from their header: not for a peer this store has. */
    public long snapshotsRefusedTarget() {
        return snapshotsRefusedTarget.get();
    }

    @Override
    public StreamObserver<RaftMessage> raft(StreamObserver<Done> responseObserver) {
        return new Receiver<>(responseObserver) {
            @Override
            public void onNext(RaftMessage message) {
                deliver(message);
            }
        };
    }

    @Override
    public StreamObserver<BatchRaftMessage> batchRaft(StreamObserver<Done> responseObserver) {
        return new Receiver<>(responseObserver) {
            @Override
            public void onNext(BatchRaftMessage batch) {
                batch.getMsgsList().forEach(PeerService.this::deliver);
            }
        };
    }

    private void deliver(RaftMessage message) {
        if (SnapshotChunks.isSnapshot(message)) {
            // A snapshot bypassing the Snapshot stream skipped its checks: refuse it, Raft resends.
            LOG.warn(
                    "store {}: dropping a snapshot of region {} sent outside the Snapshot stream",
                    store.storeId(),
                    message.getRegionId());
            return;
        }
        store.onRaftMessage(message);
    }

    /**
     * One snapshot: its header is checked — well-formed, for a peer this store has
     * ({@link RaftStore#snapshotRefusal}), and within {@link SnapshotRecvLimit} — before any of its
     * files is written. A refusal ends the stream with a status the sender reports as a failed
     * snapshot, and Raft sends it again later: INVALID_ARGUMENT for a malformed one,
     * FAILED_PRECONDITION for one this store cannot take now, RESOURCE_EXHAUSTED when the limit is
     * reached.
     */
    @Override
    public StreamObserver<SnapshotChunk> snapshot(StreamObserver<Done> responseObserver) {
        SnapshotChunks.Assembler assembler = new SnapshotChunks.Assembler(store.snapshotManager(), maxSnapshotBytes);
        return new StreamObserver<>() {
            private boolean failed;
            /** Held from the header's admission to the stream's end. */
            private SnapshotRecvLimit.Permit permit;

            @Override
            public void onNext(SnapshotChunk chunk) {
                if (failed) {
                    return;
                }
                try {
                    boolean header = assembler.receiver() == null;
                    assembler.accept(chunk);
                    if (header) {
                        admit(assembler.receiver());
                    }
                } catch (IllegalArgumentException e) {
                    fail(Status.INVALID_ARGUMENT, e.getMessage());
                } catch (TargetRefused e) {
                    snapshotsRefusedTarget.incrementAndGet();
                    fail(Status.FAILED_PRECONDITION, e.getMessage());
                } catch (SnapshotRecvLimit.Refused e) {
                    fail(Status.RESOURCE_EXHAUSTED, e.getMessage());
                }
            }

            private void admit(SnapshotReceiver receiver) throws TargetRefused, SnapshotRecvLimit.Refused {
                String refusal = store.snapshotRefusal(receiver.message(), receiver.region());
                if (refusal != null) {
                    throw new TargetRefused(refusal);
                }
                permit = recvLimit.acquire(receiver.totalBytes());
            }

            private void fail(Status status, String why) {
                failed = true;
                end();
                LOG.warn("store {}: refusing a snapshot: {}", store.storeId(), why);
                responseObserver.onError(status.withDescription(why).asException());
            }

            /** What the stream holds goes: partial files, its place in the limit. */
            private void end() {
                assembler.close();
                if (permit != null) {
                    permit.close();
                }
            }

            @Override
            public void onError(Throwable t) {
                LOG.warn("store {}: snapshot stream broke: {}", store.storeId(), t.toString());
                end();
            }

            @Override
            public void onCompleted() {
                if (failed) {
                    return;
                }
                RaftMessage message;
                try {
                    message = assembler.finish();
                } catch (IllegalArgumentException e) {
                    fail(Status.INVALID_ARGUMENT, e.getMessage());
                    return;
                }
                // The files are in place: the stream's budget is free again.
                end();
                snapshotsReceived.incrementAndGet();
                store.onRaftMessage(message);
                responseObserver.onNext(Done.getDefaultInstance());
                responseObserver.onCompleted();
            }
        };
    }

    /** A snapshot's header names a target this store would drop it at. */
    private static final class TargetRefused extends Exception {
        TargetRefused(String message) {
            super(message, null, false, false);
        }
    }

    /** A message stream from another store: answered Done when the sender ends it. */
    private abstract class Receiver<T> implements StreamObserver<T> {

        private final StreamObserver<Done> responseObserver;

        Receiver(StreamObserver<Done> responseObserver) {
            this.responseObserver = responseObserver;
        }

        @Override
        public void onError(Throwable t) {
            LOG.debug("store {}: raft stream from a peer ended: {}", store.storeId(), t.toString());
        }

        @Override
        public void onCompleted() {
            responseObserver.onNext(Done.getDefaultInstance());
            responseObserver.onCompleted();
        }
    }
}
