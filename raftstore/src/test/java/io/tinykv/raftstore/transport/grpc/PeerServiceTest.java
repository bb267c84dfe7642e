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

/** The receiving side refuses snapshot streams that do not hold a whole snapshot of the named region. */
class PeerServiceTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** Sends the chunks on one Snapshot call; completes with the call's status. */
    private static Status sendChunks(String target, List<SnapshotChunk> chunks) throws Exception {
        ManagedChannel channel = InProcessChannelBuilder.forName(target)
                .intercept(ClusterIdHeader.attach(GrpcStoreCluster.CLUSTER_ID)).build();
        try {
            CompletableFuture<Status> outcome = new CompletableFuture<>();
            StreamObserver<SnapshotChunk> requests = PeerGrpc.newStub(channel).snapshot(new StreamObserver<Done>() {
                @Override
                public void onNext(Done value) {
                }

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
        return RaftMessage.newBuilder().setRegionId(regionId)
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

            Status noHeader = sendChunks(target, List.of(SnapshotChunk.newBuilder()
                    .setData(ByteString.copyFromUtf8("data")).build()));
            assertThat(noHeader.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(noHeader.getDescription()).contains("first snapshot chunk");

            Status garbage = sendChunks(target, List.of(SnapshotChunk.newBuilder().setMessage(
                    snapshotHeader(GrpcStoreCluster.REGION_ID).toBuilder().setMessage(Eraftpb.Message.newBuilder()
                            .setMsgType(Eraftpb.MessageType.MsgSnapshot).setSnapshot(Eraftpb.Snapshot.newBuilder()
                                    .setData(ByteString.copyFrom(new byte[] {(byte) 0xff}))))).build()));
            assertThat(garbage.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(garbage.getDescription()).contains("does not parse");

            ByteString file = ByteString.copyFromUtf8("an SST file");
            RaftMessage header = SnapshotChunksTest.snapshotMessage(GrpcStoreCluster.REGION_ID, file, file);
            Status corrupt = sendChunks(target, List.of(SnapshotChunks.header(header),
                    SnapshotChunks.data(ByteString.copyFromUtf8("AN SST FILE"))));
            assertThat(corrupt.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(corrupt.getDescription()).contains("arrived corrupt");
            Status truncated = sendChunks(target, List.of(SnapshotChunks.header(header), SnapshotChunks.data(file)));
            assertThat(truncated.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(truncated.getDescription()).contains("truncated");
            assertThat(node.store.snapshotManager().list()).as("refused files are deleted").isEmpty();

            Status empty = sendChunks(target, List.of());
            assertThat(empty.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(empty.getDescription()).contains("before its first chunk");

            assertThat(node.service().snapshotsReceived()).isZero();
        }
    }
}
