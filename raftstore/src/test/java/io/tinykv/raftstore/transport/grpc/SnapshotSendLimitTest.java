package io.tinykv.raftstore.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.RaftServerpb.Done;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.proto.RaftServerpb.SnapshotChunk;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.testkit.wait.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store sends at most {@code concurrent-send-snap-limit} snapshots at once: with a limit of two
 * and a receiver that holds every stream open, a third snapshot is refused at once and reported
 * failed (no stream opened for it), and once a stream ends its place is free for the next. The
 * receiver is an in-process peer service that answers a stream only when the test says so.
 */
class SnapshotSendLimitTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long REGION_ID = 1;
    private static final long TARGET_STORE = 2;
    private static final String TARGET = "snapshot-send-limit-target";

    @TempDir
    Path snapshotDir;

    private Server server;
    private ExecutorService network;
    private GrpcTransport transport;
    /** Streams whose every chunk arrived, each waiting for the test to answer it. */
    private final BlockingQueue<StreamObserver<Done>> held = new LinkedBlockingQueue<>();

    private final List<Report> reports = new ArrayList<>();

    private record Report(long toPeerId, SnapshotStatus status) {}

    /** Receives snapshot streams whole and answers none until told. */
    private final class HoldingPeer extends PeerGrpc.PeerImplBase {
        @Override
        public StreamObserver<SnapshotChunk> snapshot(StreamObserver<Done> answer) {
            return new StreamObserver<>() {
                @Override
                public void onNext(SnapshotChunk chunk) {}

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    held.add(answer);
                }
            };
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (transport != null) {
            transport.close();
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        if (network != null) {
            network.shutdownNow();
        }
    }

    private void start(int limit) throws Exception {
        server = InProcessServerBuilder.forName(TARGET)
                .directExecutor()
                .addService(new HoldingPeer())
                .build()
                .start();
        network = Executors.newFixedThreadPool(2);
        TransportReporter reporter = new TransportReporter() {
            @Override
            public void snapshotStatus(long regionId, long toPeerId, SnapshotStatus status) {
                synchronized (reports) {
                    reports.add(new Report(toPeerId, status));
                }
            }

            @Override
            public void peerUnreachable(long regionId, long toPeerId) {}
        };
        transport = new GrpcTransport(
                GrpcTransportConfig.defaults(),
                storeId -> TARGET,
                target ->
                        InProcessChannelBuilder.forName(target).directExecutor().build(),
                reporter,
                network,
                System::nanoTime,
                SnapshotManager.open(snapshotDir),
                new SnapshotSendLimit(limit));
    }

    /** An empty region's snapshot to peer {@code toPeerId} (no column family has data: no files to read). */
    private static RaftMessage snapshotTo(long toPeerId) {
        Eraftpb.Message m = Eraftpb.Message.newBuilder()
                .setMsgType(Eraftpb.MessageType.MsgSnapshot)
                .setSnapshot(Eraftpb.Snapshot.newBuilder()
                        .setData(RaftSnapshotData.newBuilder()
                                .setRegion(Metapb.Region.newBuilder()
                                        .setId(REGION_ID)
                                        .addPeers(Metapb.Peer.newBuilder()
                                                .setId(1)
                                                .setStoreId(1)))
                                .build()
                                .toByteString()))
                .build();
        return RaftMessage.newBuilder()
                .setRegionId(REGION_ID)
                .setFromPeer(Metapb.Peer.newBuilder().setId(1).setStoreId(1))
                .setToPeer(Metapb.Peer.newBuilder().setId(toPeerId).setStoreId(TARGET_STORE))
                .setMessage(m)
                .build();
    }

    private List<Report> reports() {
        synchronized (reports) {
            return List.copyOf(reports);
        }
    }

    @Test
    void aSnapshotBeyondTheLimitIsRefusedAtOnceAndAFreedPlaceTakesTheNext() throws Exception {
        start(2);
        transport.send(snapshotTo(11));
        transport.send(snapshotTo(12));
        assertThat(transport.snapshotsSending()).isEqualTo(2);

        // Both places taken: the third is reported failed on the caller's thread, no stream opened.
        transport.send(snapshotTo(13));
        assertThat(reports()).containsExactly(new Report(13, SnapshotStatus.FAILURE));
        assertThat(transport.snapshotsRefusedSendLimit()).isEqualTo(1);
        StreamObserver<Done> first = held.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        StreamObserver<Done> second = held.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(first).as("the first stream reached the receiver").isNotNull();
        assertThat(second).as("the second stream reached the receiver").isNotNull();
        assertThat(held).as("no stream for the refused snapshot").isEmpty();
        assertThat(transport.snapshotsSending())
                .as("held streams keep their places")
                .isEqualTo(2);

        // One stream ends: its place is free, and the next snapshot goes out.
        first.onNext(Done.getDefaultInstance());
        first.onCompleted();
        // (The two streams started on two threads: either may be the one answered first.)
        Await.until(
                () -> reports().stream().anyMatch(r -> r.status() == SnapshotStatus.FINISH),
                WAIT,
                "the answered snapshot reported delivered");
        long delivered = reports().stream()
                .filter(r -> r.status() == SnapshotStatus.FINISH)
                .findFirst()
                .orElseThrow()
                .toPeerId();
        assertThat(delivered).isIn(11L, 12L);
        long stillHeld = delivered == 11 ? 12 : 11;
        assertThat(transport.snapshotsSending())
                .as("the delivered snapshot's place given back")
                .isEqualTo(1);
        transport.send(snapshotTo(14));
        assertThat(held.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .as("the next snapshot's stream")
                .isNotNull();
        assertThat(transport.snapshotsSending()).isEqualTo(2);
        assertThat(transport.snapshotsRefusedSendLimit()).isEqualTo(1);

        // A stream that fails gives its place back too.
        second.onError(
                io.grpc.Status.UNAVAILABLE.withDescription("receiver gone").asRuntimeException());
        Await.until(
                () -> reports().contains(new Report(stillHeld, SnapshotStatus.FAILURE)),
                WAIT,
                "the second snapshot reported failed");
        assertThat(transport.snapshotsSending())
                .as("the failed snapshot's place given back")
                .isEqualTo(1);
    }

    @Test
    void theLimitMustBePositive() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SnapshotSendLimit(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxStreams must be > 0");
    }
}
