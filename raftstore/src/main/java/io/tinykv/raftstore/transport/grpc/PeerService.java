package io.tinykv.raftstore.transport.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.RaftServerpb.BatchRaftMessage;
import io.tinykv.proto.RaftServerpb.Done;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.SnapshotChunk;
import io.tinykv.raftstore.RaftStore;
import java.util.Objects;
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

    private final RaftStore store;
    private final long maxSnapshotBytes;
    private final AtomicLong snapshotsReceived = new AtomicLong();

    public PeerService(RaftStore store) {
        this(store, DEFAULT_MAX_SNAPSHOT_BYTES);
    }

    public PeerService(RaftStore store, long maxSnapshotBytes) {
        this.store = Objects.requireNonNull(store, "store");
        if (maxSnapshotBytes <= 0) {
            throw new IllegalArgumentException("maxSnapshotBytes must be > 0, got " + maxSnapshotBytes);
        }
        this.maxSnapshotBytes = maxSnapshotBytes;
    }

    /** Snapshots received whole and handed to the store. */
    public long snapshotsReceived() {
        return snapshotsReceived.get();
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
            LOG.warn("store {}: dropping a snapshot of region {} sent outside the Snapshot stream",
                    store.storeId(), message.getRegionId());
            return;
        }
        store.onRaftMessage(message);
    }

    @Override
    public StreamObserver<SnapshotChunk> snapshot(StreamObserver<Done> responseObserver) {
        SnapshotChunks.Assembler assembler = new SnapshotChunks.Assembler(store.snapshotManager(), maxSnapshotBytes);
        return new StreamObserver<>() {
            private boolean failed;

            @Override
            public void onNext(SnapshotChunk chunk) {
                if (failed) {
                    return;
                }
                try {
                    assembler.accept(chunk);
                } catch (IllegalArgumentException e) {
                    failed = true;
                    assembler.close();
                    LOG.warn("store {}: refusing a snapshot: {}", store.storeId(), e.getMessage());
                    responseObserver.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException());
                }
            }

            @Override
            public void onError(Throwable t) {
                LOG.warn("store {}: snapshot stream broke: {}", store.storeId(), t.toString());
                assembler.close();
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
                    assembler.close();
                    LOG.warn("store {}: refusing a snapshot: {}", store.storeId(), e.getMessage());
                    responseObserver.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException());
                    return;
                }
                snapshotsReceived.incrementAndGet();
                store.onRaftMessage(message);
                responseObserver.onNext(Done.getDefaultInstance());
                responseObserver.onCompleted();
            }
        };
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
