package io.tinykv.raftstore.transport.grpc;

import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.RaftServerpb.Done;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.SnapshotChunk;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raftstore.Transport;
import io.tinykv.raftstore.snapshot.SnapshotFileReader;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.security.ChannelFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store-to-store {@link Transport} over the {@code peerpb.Peer} service. Raft messages go, per
 * destination store, through a bounded queue into one long-lived {@code BatchRaft} stream
 * ({@link StoreConnection}); a snapshot message goes through a {@code Snapshot} stream of its own,
 * followed by its SST files read from the store's {@link SnapshotManager} in chunks
 * ({@link SnapshotChunks}) as fast as the receiver takes them, and its outcome is reported as a
 * {@link SnapshotStatus}. At most {@link SnapshotSendLimit} snapshots are sent at once; another is
 * refused and reported failed at once (Raft sends it again later).
 *
 * <p>{@link #send} never blocks: it queues, or drops and reports the peer unreachable. All network
 * work, address resolution included, runs on the given executor.
 */
public final class GrpcTransport implements Transport, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GrpcTransport.class);
    /** How long {@link #close} lets a channel finish its calls before cutting them. */
    private static final long CLOSE_GRACE_MS = 1_000;

    private final GrpcTransportConfig config;
    private final StoreResolver resolver;
    private final ChannelFactory channelFactory;
    private final TransportReporter reporter;
    private final Executor executor;
    private final LongSupplier nanoClock;
    /** Where this store's generated snapshot files are; null: snapshots cannot be sent. */
    private final SnapshotManager snapshots;

    private final SnapshotSendLimit sendLimit;
    private final Map<Long, StoreConnection> connections = new ConcurrentHashMap<>();
    private final LongAdder batchesSent = new LongAdder();
    private final Map<Long, ResolvedChannel> channels = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A store's channel and the address it was opened for. */
    private record ResolvedChannel(String target, ManagedChannel channel) {}

    /**
     * @param executor runs flushes, connects and snapshot sends; several threads let one slow store
     *     not hold up the others
     * @param nanoClock monotonic time for the reconnect backoff (production: {@code System::nanoTime})
     */
    GrpcTransport(
            GrpcTransportConfig config,
            StoreResolver resolver,
            ChannelFactory channelFactory,
            TransportReporter reporter,
            Executor executor,
            LongSupplier nanoClock,
            SnapshotManager snapshots) {
        this(config, resolver, channelFactory, reporter, executor, nanoClock, snapshots, SnapshotSendLimit.defaults());
    }

    /** @param sendLimit how many snapshots are sent at once */
    public GrpcTransport(
            GrpcTransportConfig config,
            StoreResolver resolver,
            ChannelFactory channelFactory,
            TransportReporter reporter,
            Executor executor,
            LongSupplier nanoClock,
            SnapshotManager snapshots,
            SnapshotSendLimit sendLimit) {
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
        this.sendLimit = Objects.requireNonNull(sendLimit, "sendLimit");
        this.config = Objects.requireNonNull(config, "config");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.channelFactory = Objects.requireNonNull(channelFactory, "channelFactory");
        this.reporter = Objects.requireNonNull(reporter, "reporter");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    @Override
    public void send(RaftMessage message) {
        if (closed) {
            reportFailure(message);
            return;
        }
        if (SnapshotChunks.isSnapshot(message)) {
            SnapshotSendLimit.Permit permit = sendLimit.tryAcquire();
            if (permit == null) {
                LOG.warn(
                        "snapshot of region {} to peer {} refused: {} snapshots are being sent already "
                                + "(raftstore.concurrent-send-snap-limit); Raft sends it again later",
                        message.getRegionId(),
                        message.getToPeer().getId(),
                        sendLimit.maxStreams());
                reportFailure(message);
                return;
            }
            try {
                executor.execute(() -> {
                    try {
                        sendSnapshot(message, permit);
                    } catch (RuntimeException | Error e) {
                        // Never leak a place: an unexpected failure ends this send like any other.
                        permit.close();
                        reportFailure(message);
                        throw e;
                    }
                });
            } catch (RejectedExecutionException e) {
                permit.close();
                reportFailure(message);
            }
            return;
        }
        connectionTo(message).send(message);
    }

    /**
     * Queues every message, then hands each destination's queue to its open stream on the
     * caller's thread ({@link StoreConnection#flushHereOrSchedule}): the Raft thread's sends of a
     * round reach the network without waking a flush task, one of the thread wake-ups a lone write
     * waited for at each hop between stores. Snapshots and destinations without an open stream
     * go as {@link #send} sends them.
     */
    @Override
    public void sendAll(List<RaftMessage> messages) {
        if (closed) {
            messages.forEach(this::reportFailure);
            return;
        }
        List<StoreConnection> touched = new ArrayList<>(2);
        for (RaftMessage message : messages) {
            if (SnapshotChunks.isSnapshot(message)) {
                send(message);
                continue;
            }
            StoreConnection connection = connectionTo(message);
            if (connection.enqueue(message) && !touched.contains(connection)) {
                touched.add(connection);
            }
        }
        for (StoreConnection connection : touched) {
            connection.flushHereOrSchedule();
        }
    }

    private StoreConnection connectionTo(RaftMessage message) {
        return connections.computeIfAbsent(
                message.getToPeer().getStoreId(),
                id -> new StoreConnection(id, config, this::channelTo, reporter, executor, nanoClock, batchesSent));
    }

    private void reportFailure(RaftMessage message) {
        reporter.peerUnreachable(message.getRegionId(), message.getToPeer().getId());
        if (SnapshotChunks.isSnapshot(message)) {
            reporter.snapshotStatus(message.getRegionId(), message.getToPeer().getId(), SnapshotStatus.FAILURE);
        }
    }

    /** The channel to a store at its current address; a moved store gets a new channel. */
    private Channel channelTo(long storeId) {
        String target = resolver.resolve(storeId);
        Objects.requireNonNull(target, "address of store " + storeId);
        ResolvedChannel resolved = channels.compute(storeId, (id, existing) -> {
            if (existing != null && existing.target().equals(target)) {
                // Our own backoff decided it is time to try again: skip the channel's (which grows
                // to minutes) so a store that came back is reached now.
                if (existing.channel().getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
                    existing.channel().resetConnectBackoff();
                }
                return existing;
            }
            if (existing != null) {
                LOG.info("store {} moved from {} to {}", storeId, existing.target(), target);
                existing.channel().shutdown();
            }
            return new ResolvedChannel(target, channelFactory.open(target));
        });
        return resolved.channel();
    }

    /** Snapshots being sent now (each holds a place of {@link SnapshotSendLimit}). */
    public int snapshotsSending() {
        return sendLimit.sending();
    }

    /** BatchRaftMessages sent so far over the stores' Raft streams (each carries one or more messages). */
    public long raftBatchesSent() {
        return batchesSent.sum();
    }

    /** Snapshots refused so far because {@link SnapshotSendLimit}'s places were all taken. */
    public long snapshotsRefusedSendLimit() {
        return sendLimit.refused();
    }

    /**
     * Streams one snapshot; the server's answer (or the stream's failure) is the reported status.
     * {@code permit} is given back when the stream ends, or at once when it cannot start.
     */
    private void sendSnapshot(RaftMessage message, SnapshotSendLimit.Permit permit) {
        long regionId = message.getRegionId();
        long toPeerId = message.getToPeer().getId();
        SnapshotFileReader files;
        try {
            files = SnapshotFileReader.open(snapshots, message, config.snapshotChunkBytes());
        } catch (IllegalArgumentException e) {
            LOG.warn("snapshot of region {} to peer {}: {}", regionId, toPeerId, e.getMessage());
            permit.close();
            reportFailure(message);
            return;
        }
        Channel channel;
        try {
            channel = channelTo(message.getToPeer().getStoreId());
        } catch (RuntimeException e) {
            LOG.warn("snapshot of region {} to peer {}: cannot connect: {}", regionId, toPeerId, e.getMessage());
            files.close();
            permit.close();
            reportFailure(message);
            return;
        }
        SnapshotStream stream = new SnapshotStream(message, files, permit);
        PeerGrpc.newStub(channel)
                .withDeadlineAfter(config.snapshotTimeoutMs(), TimeUnit.MILLISECONDS)
                .snapshot(stream);
        stream.pump();
    }

    /**
     * One snapshot's stream: the header, then the files' chunks, each sent only when gRPC is ready
     * for more (so a slow receiver holds back the reading instead of filling memory). The deadline
     * bounds a receiver that stops reading.
     */
    private final class SnapshotStream implements ClientResponseObserver<SnapshotChunk, Done> {

        private final RaftMessage message;
        private final SnapshotFileReader files;
        private final SnapshotSendLimit.Permit permit;
        private ClientCallStreamObserver<SnapshotChunk> requests;
        private boolean headerSent;
        private boolean ended;
        private boolean reported;
        private int chunks;

        SnapshotStream(RaftMessage message, SnapshotFileReader files, SnapshotSendLimit.Permit permit) {
            this.message = message;
            this.files = files;
            this.permit = permit;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<SnapshotChunk> requestStream) {
            this.requests = requestStream;
            requestStream.setOnReadyHandler(this::pump);
        }

        synchronized void pump() {
            if (ended || requests == null) {
                return;
            }
            try {
                while (requests.isReady()) {
                    if (!headerSent) {
                        requests.onNext(SnapshotChunks.header(message));
                        headerSent = true;
                    } else if (files.hasNext()) {
                        requests.onNext(SnapshotChunks.data(files.next()));
                    } else {
                        ended = true;
                        files.close();
                        requests.onCompleted();
                        return;
                    }
                    chunks++;
                }
            } catch (IllegalArgumentException e) {
                ended = true;
                files.close();
                requests.cancel("snapshot files unreadable: " + e.getMessage(), e);
            }
        }

        @Override
        public void onNext(Done value) {
            // The answer alone matters: completion follows.
        }

        @Override
        public void onError(Throwable t) {
            synchronized (this) {
                ended = true;
                files.close();
                permit.close();
                if (reported) {
                    return;
                }
                reported = true;
            }
            LOG.warn(
                    "snapshot of region {} to peer {} failed: {}",
                    message.getRegionId(),
                    message.getToPeer().getId(),
                    t.toString());
            reportFailure(message);
        }

        @Override
        public void onCompleted() {
            synchronized (this) {
                permit.close();
                if (reported) {
                    return;
                }
                reported = true;
            }
            LOG.info(
                    "snapshot of region {} to peer {} delivered: {} bytes in {} chunks",
                    message.getRegionId(),
                    message.getToPeer().getId(),
                    files.totalBytes(),
                    chunks);
            reporter.snapshotStatus(message.getRegionId(), message.getToPeer().getId(), SnapshotStatus.FINISH);
        }
    }

    /** Ends every stream and closes the channels; later sends are dropped and reported. */
    @Override
    public void close() {
        closed = true;
        connections.values().forEach(StoreConnection::close);
        for (ResolvedChannel resolved : channels.values()) {
            resolved.channel().shutdown();
        }
        for (ResolvedChannel resolved : channels.values()) {
            try {
                if (!resolved.channel().awaitTermination(CLOSE_GRACE_MS, TimeUnit.MILLISECONDS)) {
                    resolved.channel().shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                resolved.channel().shutdownNow();
            }
        }
    }
}
