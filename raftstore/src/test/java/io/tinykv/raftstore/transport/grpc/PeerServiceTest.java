package io.tinykv.raftstore.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.RaftServerpb.Done;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.SnapshotChunk;
import io.tinykv.raftstore.RaftstoreConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The receiving side refuses snapshot streams that do not hold a whole snapshot of the named region,
 * that are not for a peer this store has (from the header, before any file is written), and that
 * find as many snapshots being received already as the store takes at once.
 */
class PeerServiceTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** Sends the chunks on one Snapshot call; completes with the call's status. */
    private static Status sendChunks(String target, List<SnapshotChunk> chunks) throws Exception {
        ManagedChannel channel = InProcessChannelBuilder.forName(target)
                .intercept(ClusterIdHeader.attach(GrpcStoreCluster.CLUSTER_ID))
                .build();
        try {
            CompletableFuture<Status> outcome = new CompletableFuture<>();
            StreamObserver<SnapshotChunk> requests = PeerGrpc.newStub(channel).snapshot(new StreamObserver<Done>() {
                @Override
                public void onNext(Done value) {}

                @Override
                public void onError(Throwable t) {
                    outcome.complete(Status.fromThrowable(t));
                }

                @Override
                public void onCompleted() {
                    outcome.complete(Status.OK);
                }
            });
            chunks.forEach(requests::onNext);
            requests.onCompleted();
            return outcome.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            channel.shutdownNow();
        }
    }

    private static RaftMessage snapshotHeader(long regionId) {
        return RaftMessage.newBuilder()
                .setRegionId(regionId)
                .setFromPeer(Metapb.Peer.newBuilder().setId(2).setStoreId(2))
                .setToPeer(Metapb.Peer.newBuilder().setId(1).setStoreId(1))
                .setMessage(Eraftpb.Message.newBuilder().setMsgType(Eraftpb.MessageType.MsgSnapshot))
                .build();
    }

    @Test
    void refusesMalformedSnapshotStreamsWithInvalidArgument() throws Exception {
        try (GrpcStoreCluster cluster = new GrpcStoreCluster(1, dir, RaftstoreConfig.defaults())) {
            GrpcStoreCluster.Node node = cluster.node(1);
            String target = cluster.addressOf(1);

            Status noHeader = sendChunks(
                    target,
                    List.of(SnapshotChunk.newBuilder()
                            .setData(ByteString.copyFromUtf8("data"))
                            .build()));
            assertThat(noHeader.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(noHeader.getDescription()).contains("first snapshot chunk");

            Status garbage = sendChunks(
                    target,
                    List.of(SnapshotChunk.newBuilder()
                            .setMessage(snapshotHeader(GrpcStoreCluster.REGION_ID).toBuilder()
                                    .setMessage(Eraftpb.Message.newBuilder()
                                            .setMsgType(Eraftpb.MessageType.MsgSnapshot)
                                            .setSnapshot(Eraftpb.Snapshot.newBuilder()
                                                    .setData(ByteString.copyFrom(new byte[] {(byte) 0xff})))))
                            .build()));
            assertThat(garbage.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(garbage.getDescription()).contains("does not parse");

            ByteString file = ByteString.copyFromUtf8("an SST file");
            RaftMessage header = SnapshotChunksTest.snapshotMessage(GrpcStoreCluster.REGION_ID, file, file);
            Status corrupt = sendChunks(
                    target,
                    List.of(
                            SnapshotChunks.header(header),
                            SnapshotChunks.data(ByteString.copyFromUtf8("AN SST FILE"))));
            assertThat(corrupt.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(corrupt.getDescription()).contains("arrived corrupt");
            Status truncated = sendChunks(target, List.of(SnapshotChunks.header(header), SnapshotChunks.data(file)));
            assertThat(truncated.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(truncated.getDescription()).contains("truncated");
            assertThat(node.store.snapshotManager().list())
                    .as("refused files are deleted")
                    .isEmpty();

            Status empty = sendChunks(target, List.of());
            assertThat(empty.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(empty.getDescription()).contains("before its first chunk");

            assertThat(node.service().snapshotsReceived()).isZero();
        }
    }

    @Test
    void refusesASnapshotForAPeerThisStoreDoesNotHaveFromItsHeaderBeforeWritingAnyFile() throws Exception {
        try (GrpcStoreCluster cluster = new GrpcStoreCluster(1, dir, RaftstoreConfig.defaults())) {
            GrpcStoreCluster.Node node = cluster.node(1);
            String target = cluster.addressOf(1);
            ByteString file = ByteString.copyFromUtf8("an SST file");
            Path snapDir = node.store.snapshotManager().dir();
            try (FileCreations creations = new FileCreations(snapDir)) {
                RaftMessage noSuchRegion = SnapshotChunksTest.snapshotMessage(99, file, file);
                Status noPeer = sendChunks(target, whole(noSuchRegion, file));
                assertThat(noPeer.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(noPeer.getDescription()).contains("no peer of region 99");

                RaftMessage forPeer5 = SnapshotChunksTest.snapshotMessage(GrpcStoreCluster.REGION_ID, file, file);
                forPeer5 = forPeer5.toBuilder()
                        .setToPeer(Metapb.Peer.newBuilder().setId(5).setStoreId(1))
                        .build();
                Status notListed = sendChunks(target, whole(forPeer5, file));
                assertThat(notListed.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(notListed.getDescription()).contains("does not list peer 5");

                RaftMessage otherStore = SnapshotChunksTest.snapshotMessage(GrpcStoreCluster.REGION_ID, file, file);
                otherStore = otherStore.toBuilder()
                        .setToPeer(Metapb.Peer.newBuilder().setId(1).setStoreId(2))
                        .build();
                Status elsewhere = sendChunks(target, whole(otherStore, file));
                assertThat(elsewhere.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(elsewhere.getDescription()).contains("is for store 2");

                assertThat(creations.createdBeforeMarker())
                        .as("no file of a refused snapshot was ever created")
                        .isEmpty();
            }
            assertThat(node.service().snapshotsRefusedTarget()).isEqualTo(3);
            assertThat(node.service().snapshotsReceived()).isZero();

            // The control: the same stream for the peer this store has does write its files.
            try (FileCreations creations = new FileCreations(snapDir)) {
                RaftMessage good = SnapshotChunksTest.snapshotMessage(GrpcStoreCluster.REGION_ID, file, file);
                assertThat(sendChunks(target, whole(good, file)).getCode()).isEqualTo(Status.Code.OK);
                assertThat(creations.createdBeforeMarker()).isNotEmpty();
            }
        }
    }

    @Test
    void refusesSnapshotStreamsBeyondTheLimitWithResourceExhaustedUntilOneEnds() throws Exception {
        try (GrpcStoreCluster cluster = new GrpcStoreCluster(1, dir, RaftstoreConfig.defaults())) {
            GrpcStoreCluster.Node node = cluster.node(1);
            SnapshotRecvLimit limit = new SnapshotRecvLimit(1, SnapshotRecvLimit.DEFAULT_MAX_TOTAL_BYTES);
            PeerService service = new PeerService(node.store, PeerService.DEFAULT_MAX_SNAPSHOT_BYTES, limit);
            String target = "limited-" + System.identityHashCode(service);
            io.grpc.Server server = io.grpc.inprocess.InProcessServerBuilder.forName(target)
                    .addService(service)
                    .build()
                    .start();
            ManagedChannel channel = InProcessChannelBuilder.forName(target).build();
            try {
                ByteString file = ByteString.copyFromUtf8("an SST file");
                RaftMessage snapshot = SnapshotChunksTest.snapshotMessage(GrpcStoreCluster.REGION_ID, file, file);
                CompletableFuture<Status> firstOutcome = new CompletableFuture<>();
                StreamObserver<SnapshotChunk> first = PeerGrpc.newStub(channel).snapshot(outcomeOf(firstOutcome));
                first.onNext(SnapshotChunks.header(snapshot));
                io.tinykv.testkit.wait.Await.until(() -> limit.streams() == 1, TIMEOUT, "the first stream admitted");

                Status second = sendChunks(target, whole(snapshot, file));
                assertThat(second.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                assertThat(second.getDescription()).contains("raftstore.concurrent-recv-snap-limit = 1");
                assertThat(service.snapshotsRefusedBusy()).isEqualTo(1);

                first.onNext(SnapshotChunks.data(file.concat(file)));
                first.onCompleted();
                assertThat(firstOutcome
                                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                                .getCode())
                        .isEqualTo(Status.Code.OK);
                assertThat(limit.streams())
                        .as("an ended stream gives its place back")
                        .isZero();
                assertThat(sendChunks(target, whole(snapshot, file)).getCode()).isEqualTo(Status.Code.OK);
                assertThat(service.snapshotsReceived()).isEqualTo(2);
                assertThat(limit.streams()).isZero();
                assertThat(limit.bytes()).isZero();
            } finally {
                channel.shutdownNow();
                server.shutdownNow();
            }
        }
    }

    /** The header, then both files (of {@code file} each) in one chunk. */
    private static List<SnapshotChunk> whole(RaftMessage header, ByteString file) {
        return List.of(SnapshotChunks.header(header), SnapshotChunks.data(file.concat(file)));
    }

    private static StreamObserver<Done> outcomeOf(CompletableFuture<Status> outcome) {
        return new StreamObserver<>() {
            @Override
            public void onNext(Done value) {}

            @Override
            public void onError(Throwable t) {
                outcome.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                outcome.complete(Status.OK);
            }
        };
    }

    /**
     * Every file created in a directory while it watches, deleted since or not: a refused stream
     * must not create one even for a moment. The kernel reports creations in order, so once the
     * marker this creates is seen, every earlier creation has been seen too — no waiting on time.
     */
    private static final class FileCreations implements AutoCloseable {

        private static final String MARKER = "creations-marker";
        private final Path dir;
        private final java.nio.file.WatchService watcher;

        FileCreations(Path dir) throws java.io.IOException {
            this.dir = dir;
            this.watcher = dir.getFileSystem().newWatchService();
            dir.register(watcher, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
        }

        /** The names created before this call's marker. */
        List<String> createdBeforeMarker() throws Exception {
            java.nio.file.Files.createFile(dir.resolve(MARKER));
            List<String> created = new java.util.ArrayList<>();
            while (true) {
                java.nio.file.WatchKey key = watcher.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (key == null) {
                    throw new AssertionError("the marker's creation was not reported within " + TIMEOUT);
                }
                for (java.nio.file.WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == java.nio.file.StandardWatchEventKinds.OVERFLOW) {
                        throw new AssertionError("file events were lost");
                    }
                    String name = event.context().toString();
                    if (name.equals(MARKER)) {
                        java.nio.file.Files.delete(dir.resolve(MARKER));
                        return created;
                    }
                    created.add(name);
                }
                key.reset();
            }
        }

        @Override
        public void close() throws java.io.IOException {
            watcher.close();
            java.nio.file.Files.deleteIfExists(dir.resolve(MARKER));
        }
    }
}
