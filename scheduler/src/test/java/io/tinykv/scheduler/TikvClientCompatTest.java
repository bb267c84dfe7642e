package io.tinykv.scheduler;

import static io.tinykv.scheduler.Fixtures.epoch;
import static io.tinykv.scheduler.Fixtures.region;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.proto.Metapb;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.PDChecker;
import org.tikv.common.PDClient;
import org.tikv.common.TiConfiguration;
import org.tikv.common.TiSession;
import org.tikv.common.meta.TiTimestamp;
import org.tikv.common.region.TiRegion;
import org.tikv.common.region.TiStore;
import org.tikv.shade.com.google.protobuf.ByteString;

/**
 * The official TiKV Java client (3.3.5) against the scheduler alone: its PD client finds the
 * leader through GetMembers, takes timestamps from the Tso stream, and routes keys through GetRegion
 * and GetStore — in transactional mode with memcomparable-encoded keys.
 */
class TikvClientCompatTest {

    private static final long RPC_TIMEOUT_MILLIS = 5_000;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    @TempDir
    Path dir;

    private SchedulerServer server;
    private TiSession session;

    @AfterEach
    void tearDown() throws Exception {
        if (session != null) {
            session.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void startCluster(ClientKeyMode mode) {
        SchedulerConfig config = SchedulerConfig.defaults(dir.resolve("meta"))
                .withListenAddress(new HostAndPort("127.0.0.1", 0))
                .withClientKeyMode(mode);
        server = SchedulerServer.start(
                config, System::currentTimeMillis, new SplittableRandom(5), new PrometheusRegistry());
        ClusterMeta cluster = server.cluster();
        long now = System.currentTimeMillis();
        cluster.bootstrap(Fixtures.store(1), region(2, "", "", epoch(1, 1), new long[] {3}, new long[] {1}), now);
        // Transactional data is split at encoded user keys (raftstore's SplitKeys); raw data as it is.
        com.google.protobuf.ByteString m = mode == ClientKeyMode.TXN
                ? MemComparableCodec.encode(com.google.protobuf.ByteString.copyFromUtf8("m"))
                : com.google.protobuf.ByteString.copyFromUtf8("m");
        Metapb.Region left = region(2, "", "m", epoch(1, 2), new long[] {3}, new long[] {1}).toBuilder()
                .setEndKey(m)
                .build();
        Metapb.Region right = region(10, "m", "", epoch(1, 2), new long[] {11}, new long[] {1}).toBuilder()
                .setStartKey(m)
                .build();
        cluster.regionHeartbeat(Fixtures.info(left, left.getPeers(0)));
        cluster.regionHeartbeat(Fixtures.info(right, right.getPeers(0)));
    }

    /** The client's own (shaded) protobuf ByteString. */
    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private TiSession open(TiConfiguration conf) {
        conf.setTimeout(RPC_TIMEOUT_MILLIS);
        conf.setWarmUpEnable(false);
        return TiSession.create(conf);
    }

    @Test
    void transactionalClientGetsTimestampsAndRoutesEncodedKeys() {
        startCluster(ClientKeyMode.TXN);
        session = open(TiConfiguration.createDefault(server.address()));
        TiTimestamp first = session.getTimestamp();
        TiTimestamp second = session.getTimestamp();
        assertThat(second.getVersion()).isGreaterThan(first.getVersion());

        TiRegion z = session.getRegionManager().getRegionByKey(utf8("z"));
        assertThat(z.getId()).isEqualTo(10);
        assertThat(z.getStartKey()).isEqualTo(utf8("m"));
        assertThat(z.getEndKey()).isEmpty();
        assertThat(z.getLeader().getStoreId()).isEqualTo(1);
        TiRegion a = session.getRegionManager().getRegionByKey(utf8("a"));
        assertThat(a.getId()).isEqualTo(2);
        assertThat(a.getEndKey()).isEqualTo(utf8("m"));

        TiStore store = session.getRegionManager().getStoreById(1);
        assertThat(store.getStore().getAddress()).isEqualTo(Fixtures.store(1).getAddress());
    }

    @Test
    void rawClientRoutesRawKeys() {
        startCluster(ClientKeyMode.RAW);
        session = open(TiConfiguration.createRawDefault(server.address()));
        TiRegion z = session.getRegionManager().getRegionByKey(utf8("z"));
        assertThat(z.getId()).isEqualTo(10);
        assertThat(z.getStartKey()).isEqualTo(utf8("m"));
        assertThat(session.getTimestamp().getVersion()).isPositive();
    }

    /**
     * The client pauses PD's checkers over PD's HTTP API on the PD address (POST and GET
     * /pd/api/v1/checker/{name}), e.g. around a bulk import; before the API was served it failed
     * with "Invalid Http response".
     */
    @Test
    void clientPausesAndResumesTheReplicaCheckerOverPdsHttpApi() throws Exception {
        startCluster(ClientKeyMode.RAW);
        session = open(TiConfiguration.createRawDefault(server.address()));
        PDClient pd = session.getPDClient();
        assertThat(pd.isCheckerPaused(PDChecker.Replica)).isFalse();
        // keepPauseChecker pauses from a background thread of the client, at once and then periodically.
        pd.keepPauseChecker(PDChecker.Replica);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(6 * RPC_TIMEOUT_MILLIS);
        while (!Boolean.TRUE.equals(pd.isCheckerPaused(PDChecker.Replica))) {
            assertThat(System.nanoTime())
                    .as("the client's pause did not arrive in time")
                    .isLessThan(deadline);
            // Park between looks: a spin would take a core from the client's own pausing thread.
            LockSupport.parkNanos(POLL_NANOS);
        }
        assertThat(pd.isCheckerPaused(PDChecker.Merge)).isFalse();
        pd.stopKeepPauseChecker(PDChecker.Replica);
        pd.resumeChecker(PDChecker.Replica);
        assertThat(pd.isCheckerPaused(PDChecker.Replica)).isFalse();
    }

    /**
     * A service (here a backup through the TiKV client) holds the GC safe point back: the
     * scheduler answers the smallest live claim, and GetGCSafePoint stays at or below it.
     */
    @Test
    void clientsServiceSafePointHoldsTheGcSafePointBack() {
        startCluster(ClientKeyMode.RAW);
        session = open(TiConfiguration.createRawDefault(server.address()));
        PDClient pd = session.getPDClient();
        long claim = session.getTimestamp().getVersion();
        Long min = pd.updateServiceGCSafePoint(
                "backup", 60, claim, org.tikv.common.util.ConcreteBackOffer.newCustomBackOff((int) RPC_TIMEOUT_MILLIS));
        assertThat(min).isEqualTo(claim);
        io.grpc.ManagedChannel channel = io.grpc.ManagedChannelBuilder.forTarget(server.address())
                .usePlaintext()
                .build();
        io.tinykv.proto.Pdpb.GetGCSafePointResponse answer;
        try {
            answer = io.tinykv.proto.PDGrpc.newBlockingStub(channel)
                    .getGCSafePoint(io.tinykv.proto.Pdpb.GetGCSafePointRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
        }
        assertThat(answer.hasHeader() && !answer.getHeader().hasError()).isTrue();
        assertThat(Long.compareUnsigned(answer.getSafePoint(), claim)).isLessThanOrEqualTo(0);
    }
}
