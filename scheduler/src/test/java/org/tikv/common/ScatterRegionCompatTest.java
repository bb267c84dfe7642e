package org.tikv.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.scheduler.ClusterMeta;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.Operator;
import io.tinykv.scheduler.OperatorStep;
import io.tinykv.scheduler.ScheduleConfig;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.util.ConcreteBackOffer;

/**
 * The official TiKV Java client's (3.3.5) scatter calls against the scheduler: {@code PDClient}'s
 * {@code scatterRegion} and {@code waitScatterRegionFinish} (what {@code TiSession.splitRegionAndScatter}
 * runs after the split; package-private, hence this package), and GetOperator over the wire.
 */
class ScatterRegionCompatTest {

    private static final long RPC_TIMEOUT_MILLIS = 5_000;
    private static final int BACKOFF_MILLIS = 5_000;

    @TempDir
    Path dir;

    private SchedulerServer server;
    private TiSession session;
    private ManagedChannel channel;

    @AfterEach
    void tearDown() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(RPC_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }
        if (session != null) {
            session.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static io.tinykv.proto.Metapb.Store store(long id) {
        return io.tinykv.proto.Metapb.Store.newBuilder()
                .setId(id)
                .setAddress("127.0.0.1:" + (20_160 + id))
                .setVersion("6.5.0")
                .build();
    }

    private static io.tinykv.proto.Metapb.Peer peer(long id, long storeId) {
        return io.tinykv.proto.Metapb.Peer.newBuilder()
                .setId(id)
                .setStoreId(storeId)
                .build();
    }

    /** A region with one peer per store 1-3 (peer ids firstPeer, +1, +2), led from store 1. */
    private static io.tinykv.proto.Metapb.Region region(long id, String start, String end, long firstPeer) {
        return io.tinykv.proto.Metapb.Region.newBuilder()
                .setId(id)
                .setStartKey(com.google.protobuf.ByteString.copyFromUtf8(start))
                .setEndKey(com.google.protobuf.ByteString.copyFromUtf8(end))
                .setRegionEpoch(io.tinykv.proto.Metapb.RegionEpoch.newBuilder()
                        .setConfVer(1)
                        .setVersion(2))
                .addPeers(peer(firstPeer, 1))
                .addPeers(peer(firstPeer + 1, 2))
                .addPeers(peer(firstPeer + 2, 3))
                .build();
    }

    private void beat(io.tinykv.proto.Metapb.Region region, io.tinykv.proto.Metapb.Peer leader) {
        server.coordinator()
                .regionHeartbeat(
                        Pdpb.RegionHeartbeatRequest.newBuilder()
                                .setRegion(region)
                                .setLeader(leader)
                                .build(),
                        System.currentTimeMillis());
    }

    private Pdpb.GetOperatorResponse getOperator(long regionId) {
        return PDGrpc.newBlockingStub(channel)
                .withDeadlineAfter(RPC_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .getOperator(Pdpb.GetOperatorRequest.newBuilder()
                        .setRegionId(regionId)
                        .build());
    }

    @Test
    void theClientScattersARegionAndWaitsForItsOperator() {
        // Balancing off: only the scatter moves anything. The stores here never send a store
        // heartbeat, and on a loaded machine the client's start alone took longer than the default
        // 20 s after which a silent store counts as disconnected (then a scatter has nowhere to go
        // and makes no operator); liveness and operator timeouts are not what this test is about.
        SchedulerConfig config = SchedulerConfig.defaults(dir.resolve("meta"))
                .withListenAddress(new HostAndPort("127.0.0.1", 0))
                .withStoreTimes(Duration.ofHours(1), Duration.ofHours(2))
                .withOperatorTimeout(Duration.ofHours(1))
                .withLeaderOperatorTimeout(Duration.ofHours(1))
                .withSchedule(ScheduleConfig.defaults().withBalanceInterval(Duration.ZERO));
        server = SchedulerServer.start(
                config, System::currentTimeMillis, new SplittableRandom(5), new PrometheusRegistry());
        ClusterMeta cluster = server.cluster();
        long now = System.currentTimeMillis();
        io.tinykv.proto.Metapb.Region left = region(2, "", "m", 3);
        io.tinykv.proto.Metapb.Region right = region(10, "m", "", 11);
        // Bootstrapped as a store does it (one region, one peer); the heartbeats below bring the split.
        cluster.bootstrap(
                store(1),
                left.toBuilder()
                        .setEndKey(com.google.protobuf.ByteString.EMPTY)
                        .setRegionEpoch(io.tinykv.proto.Metapb.RegionEpoch.newBuilder()
                                .setConfVer(1)
                                .setVersion(1))
                        .clearPeers()
                        .addPeers(left.getPeers(0))
                        .build(),
                now);
        cluster.putStore(store(2), now);
        cluster.putStore(store(3), now);
        beat(left, left.getPeers(0));
        beat(right, right.getPeers(0));
        channel = NettyChannelBuilder.forTarget(server.address()).usePlaintext().build();

        TiConfiguration conf = TiConfiguration.createRawDefault(server.address());
        conf.setTimeout(RPC_TIMEOUT_MILLIS);
        conf.setWarmUpEnable(false);
        session = TiSession.create(conf);
        PDClient pd = session.getPDClient();
        long clusterId = pd.getClusterId();

        // The first region scattered stays where it is: no operator, which the client takes as done.
        pd.scatterRegion(
                org.tikv.kvproto.Metapb.Region.newBuilder().setId(2).build(),
                ConcreteBackOffer.newCustomBackOff(BACKOFF_MILLIS, clusterId));
        assertThat(server.coordinator().operator(2)).isEmpty();
        assertThat(getOperator(2).getHeader().hasError()).isTrue();
        pd.waitScatterRegionFinish(
                org.tikv.kvproto.Metapb.Region.newBuilder().setId(2).build(),
                ConcreteBackOffer.newCustomBackOff(BACKOFF_MILLIS, clusterId));

        // The second one's leader moves off store 1, which already leads a scattered region.
        org.tikv.kvproto.Metapb.Region clientRight =
                org.tikv.kvproto.Metapb.Region.newBuilder().setId(10).build();
        pd.scatterRegion(clientRight, ConcreteBackOffer.newCustomBackOff(BACKOFF_MILLIS, clusterId));
        Operator scatter = server.coordinator().operator(10).orElseThrow();
        Pdpb.GetOperatorResponse running = getOperator(10);
        assertThat(running.getHeader().hasError()).isFalse();
        assertThat(running.getRegionId()).isEqualTo(10);
        assertThat(running.getDesc().toStringUtf8()).isEqualTo("scatter-region");
        assertThat(running.getStatus()).isEqualTo(Pdpb.OperatorStatus.RUNNING);

        // The leader carries it out; the client's wait then ends at once.
        io.tinykv.proto.Metapb.Peer target = ((OperatorStep.TransferLeader) scatter.step()).target();
        assertThat(target.getStoreId()).isNotEqualTo(1);
        beat(right, target);
        assertThat(getOperator(10).getStatus()).isEqualTo(Pdpb.OperatorStatus.SUCCESS);
        pd.waitScatterRegionFinish(clientRight, ConcreteBackOffer.newCustomBackOff(BACKOFF_MILLIS, clusterId));

        // A region the scheduler never heard of: accepted for later, and reported as not found.
        pd.scatterRegion(
                org.tikv.kvproto.Metapb.Region.newBuilder().setId(999).build(),
                ConcreteBackOffer.newCustomBackOff(BACKOFF_MILLIS, clusterId));
        assertThat(getOperator(999).getHeader().getError().getType()).isEqualTo(Pdpb.ErrorType.REGION_NOT_FOUND);
        pd.waitScatterRegionFinish(
                org.tikv.kvproto.Metapb.Region.newBuilder().setId(999).build(),
                ConcreteBackOffer.newCustomBackOff(BACKOFF_MILLIS, clusterId));
    }
}
