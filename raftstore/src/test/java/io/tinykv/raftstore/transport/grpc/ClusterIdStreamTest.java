package io.tinykv.raftstore.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.RaftServerpb.BatchRaftMessage;
import io.tinykv.proto.RaftServerpb.Done;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.testkit.wait.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every store-to-store stream carries its cluster's id; a stream from another cluster, or naming
 * none, is refused (FAILED_PRECONDITION) before any of its messages reaches the store. The message
 * sent here would destroy the receiving replica if it were stepped (a newer peer id of that store,
 * at an epoch two conf changes on): the replica and its data stay.
 */
class ClusterIdStreamTest {

    private static final int STORES = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final long TARGET_STORE = 2;

    @TempDir
    Path dir;

    private static RaftMessage replacingMessage(GrpcStoreCluster cluster) {
        Metapb.Region region = cluster.regions().get(0);
        Metapb.Peer target = cluster.node(TARGET_STORE).peer();
        Metapb.Peer from = cluster.node(1).peer();
        return RaftMessage.newBuilder()
                .setRegionId(region.getId())
                .setFromPeer(from)
                .setToPeer(target.toBuilder().setId(target.getId() + 1000))
                .setRegionEpoch(region.getRegionEpoch().toBuilder()
                        .setConfVer(region.getRegionEpoch().getConfVer() + 2))
                .setMessage(Eraftpb.Message.newBuilder()
                        .setMsgType(Eraftpb.MessageType.MsgHeartbeat)
                        .setFrom(from.getId())
                        .setTo(target.getId() + 1000)
                        .setTerm(1))
                .build();
    }

    /** Sends {@code message} on one BatchRaft stream opened with {@code header} (null: none); its status. */
    private static Status send(String target, ClientInterceptor header, RaftMessage message) throws Exception {
        InProcessChannelBuilder builder = InProcessChannelBuilder.forName(target);
        if (header != null) {
            builder.intercept(header);
        }
        ManagedChannel channel = builder.build();
        try {
            CompletableFuture<Status> outcome = new CompletableFuture<>();
            StreamObserver<BatchRaftMessage> requests = PeerGrpc.newStub(channel)
                    .batchRaft(new StreamObserver<Done>() {
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
            requests.onNext(BatchRaftMessage.newBuilder().addMsgs(message).build());
            requests.onCompleted();
            return outcome.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void aStreamFromAnotherClusterOrNamingNoneIsRefusedAndTheReplicaStays() throws Exception {
        try (GrpcStoreCluster cluster = new GrpcStoreCluster(STORES, dir, RaftstoreConfig.defaults())) {
            cluster.put("k", "v", 1, TIMEOUT);
            GrpcStoreCluster.Node target = cluster.node(TARGET_STORE);
            Await.until(() -> "v".equals(target.valueOf("k")), TIMEOUT, "store 2 has k");
            long regionId = cluster.regions().get(0).getId();

            Status foreign = send(
                    cluster.addressOf(TARGET_STORE),
                    ClusterIdHeader.attach(GrpcStoreCluster.CLUSTER_ID + 1),
                    replacingMessage(cluster));
            assertThat(foreign.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(foreign.getDescription()).contains("mismatch cluster id");
            Status anonymous = send(cluster.addressOf(TARGET_STORE), null, replacingMessage(cluster));
            assertThat(anonymous.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(anonymous.getDescription()).contains("carries no cluster id");

            assertThat(target.store.regionIds()).contains(regionId);
            assertThat(target.valueOf("k")).isEqualTo("v");
            // The region still replicates to the store that was sent the forged message.
            cluster.put("k2", "v2", 1, TIMEOUT);
            Await.until(() -> "v2".equals(target.valueOf("k2")), TIMEOUT, "store 2 has k2");
            assertThat(target.store.regionIds()).contains(regionId);
        }
    }
}
