package io.tinykv.scheduler;

import static io.tinykv.scheduler.Fixtures.epoch;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operators reach the region's leader on the store's region-heartbeat stream as soon as they are
 * created, without waiting for the region's next heartbeat (stores heartbeat an unchanged region
 * only on a long interval). The service and coordinator are the real ones, wired as the scheduler
 * process wires them; the streams are in-memory observers; time is virtual.
 */
class OperatorPushTest {

    private static final long START_MILLIS = 1_700_000_000_000L;
    private static final long ROUND_MILLIS = ScheduleConfig.DEFAULT_BALANCE_INTERVAL.toMillis();

    @TempDir
    Path dir;

    private long now = START_MILLIS;
    private MetaStore meta;
    private ClusterMeta cluster;
    private Coordinator coordinator;
    private SchedulerService service;
    private HeartbeatStreams streams;

    /** One store's side of a region-heartbeat stream: what the scheduler wrote to it. */
    private static final class StoreSide implements StreamObserver<Pdpb.RegionHeartbeatResponse> {
        final List<Pdpb.RegionHeartbeatResponse> received = new CopyOnWriteArrayList<>();

        @Override
        public void onNext(Pdpb.RegionHeartbeatResponse response) {
            received.add(response);
        }

        @Override
        public void onError(Throwable t) {
            throw new AssertionError("the stream failed", t);
        }

        @Override
        public void onCompleted() {}

        List<Pdpb.RegionHeartbeatResponse> operators() {
            return received.stream()
                    .filter(r -> r.hasTransferLeader() || r.hasChangePeer())
                    .toList();
        }
    }

    @BeforeEach
    void setUp() {
        SchedulerConfig config = SchedulerConfig.defaults(dir.resolve("meta"));
        meta = MetaStore.open(config.dataDir());
        cluster = ClusterMeta.load(
                meta,
                now,
                new SplittableRandom(7),
                config.storeDisconnectTime().toMillis(),
                config.maxStoreDownTime().toMillis());
        IdAllocator ids = new IdAllocator(new Fixtures.MemoryLong(), config.idBatchSize());
        SchedulerMetrics metrics = new SchedulerMetrics(new PrometheusRegistry(), cluster);
        streams = new HeartbeatStreams();
        coordinator = new Coordinator(cluster, ids, config, metrics, new SchedulerPauses(() -> now), streams);
        Pdpb.Member member = SchedulerService.member(SchedulerServer.MEMBER_ID, new HostAndPort("127.0.0.1", 1));
        service = new SchedulerService(
                cluster,
                coordinator,
                new Tso(
                        new Fixtures.MemoryLong(),
                        () -> now,
                        config.tsoSaveWindow().toMillis()),
                ids,
                () -> member,
                ClientKeyMode.RAW,
                () -> now,
                metrics,
                new GcSafePoints(meta),
                null,
                SplitLimits.DEFAULTS,
                streams);
        // Bootstrapped with a placeholder region that the tests' two regions replace (a newer version).
        cluster.bootstrap(
                Fixtures.store(1), Fixtures.region(99, "", "", epoch(1, 1), new long[] {991}, new long[] {1}), now);
        Fixtures.storesUp(cluster, 3, now);
    }

    @AfterEach
    void tearDown() {
        meta.close();
    }

    /** Region {@code id} with peers on stores 1, 2, 3 (peer ids id*10 + store). */
    private static Metapb.Region region(long id, String start, String end) {
        return Fixtures.region(
                id, start, end, epoch(1, 2), new long[] {id * 10 + 1, id * 10 + 2, id * 10 + 3}, new long[] {1, 2, 3});
    }

    private Pdpb.RegionHeartbeatRequest heartbeat(Metapb.Region region, long leaderStore) {
        Metapb.Peer leader = region.getPeersList().stream()
                .filter(p -> p.getStoreId() == leaderStore)
                .findFirst()
                .orElseThrow();
        return Fixtures.heartbeat(region, leader).toBuilder()
                .setHeader(Pdpb.RequestHeader.newBuilder().setClusterId(cluster.clusterId()))
                .build();
    }

    /** A store's open heartbeat stream: what it sends on, what it received. */
    private record Stream(StreamObserver<Pdpb.RegionHeartbeatRequest> requests, StoreSide side) {}

    /** Two regions led by store 1, both heard on store 1's stream: a leader must move. */
    private Stream twoRegionsLedByStoreOne() {
        StoreSide store1 = new StoreSide();
        StreamObserver<Pdpb.RegionHeartbeatRequest> requests = service.regionHeartbeat(store1);
        requests.onNext(heartbeat(region(1, "", "m"), 1));
        requests.onNext(heartbeat(region(2, "m", ""), 1));
        assertThat(store1.operators()).as("balanced regions need nothing yet").isEmpty();
        return new Stream(requests, store1);
    }

    @Test
    void aBalancerOperatorIsPushedToTheLeaderWithoutAHeartbeat() {
        StoreSide store1 = twoRegionsLedByStoreOne().side();

        now += ROUND_MILLIS;
        List<Operator> created = coordinator.schedule(now);

        assertThat(created).hasSize(1);
        Operator op = created.get(0);
        assertThat(store1.operators())
                .as("the step arrived on store 1's stream, no heartbeat in between")
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.getRegionId()).isEqualTo(op.regionId());
                    assertThat(r.hasTransferLeader()).isTrue();
                    assertThat(r.getTransferLeader().getPeer().getStoreId()).isNotEqualTo(1);
                    assertThat(r.getHeader().getClusterId()).isEqualTo(cluster.clusterId());
                });
    }

    @Test
    void aStepNotDoneIsPushedAgainARoundLaterButNotWithinTheRound() {
        StoreSide store1 = twoRegionsLedByStoreOne().side();
        now += ROUND_MILLIS;
        Operator op = coordinator.schedule(now).get(0);
        assertThat(store1.operators()).hasSize(1);

        // The leader dropped it (say its transfer could not start): the next round sends it again.
        now += ROUND_MILLIS - 1;
        coordinator.schedule(now);
        assertThat(store1.operators())
                .as("within a round of the push: not again")
                .hasSize(1);
        now += 1;
        coordinator.schedule(now);
        assertThat(store1.operators()).hasSize(2);
        assertThat(store1.operators().get(1)).isEqualTo(store1.operators().get(0));
        assertThat(coordinator.operator(op.regionId())).contains(op);
    }

    @Test
    void aStoreWithoutAStreamGetsTheStepInItsNextHeartbeatResponse() {
        Stream store1 = twoRegionsLedByStoreOne();
        assertThat(streams.openStreams()).isEqualTo(1);
        store1.requests().onError(new RuntimeException("store 1 went away"));
        assertThat(streams.openStreams()).as("a broken stream is forgotten").isZero();

        now += ROUND_MILLIS;
        Operator op = coordinator.schedule(now).get(0);
        assertThat(store1.side().operators()).as("no stream, nothing pushed").isEmpty();

        StoreSide reopened = new StoreSide();
        service.regionHeartbeat(reopened)
                .onNext(heartbeat(op.regionId() == 1 ? region(1, "", "m") : region(2, "m", ""), 1));
        assertThat(reopened.operators())
                .singleElement()
                .satisfies(r -> assertThat(r.getRegionId()).isEqualTo(op.regionId()));
    }

    /**
     * A region heard from while no other store could take a replica (here: they were silent) is
     * repaired by the next round once they are back, with no heartbeat of the region in between:
     * its leader may not heartbeat it again for the long interval.
     */
    @Test
    void aRoundAddsTheMissingReplicaOfARegionLastHeardBeforeItsStoresCameBack() {
        now += SchedulerConfig.DEFAULT_STORE_DISCONNECT_TIME.toMillis() + 1;
        cluster.storeHeartbeat(Pdpb.StoreStats.newBuilder().setStoreId(1).build(), now);
        StoreSide store1 = new StoreSide();
        Metapb.Region alone = Fixtures.region(1, "", "", epoch(1, 2), new long[] {11}, new long[] {1});
        service.regionHeartbeat(store1).onNext(heartbeat(alone, 1));
        assertThat(store1.operators())
                .as("stores 2 and 3 are silent: nowhere to add a replica")
                .isEmpty();

        for (long s = 2; s <= 3; s++) {
            cluster.storeHeartbeat(Pdpb.StoreStats.newBuilder().setStoreId(s).build(), now);
        }
        now += ROUND_MILLIS;
        List<Operator> created = coordinator.schedule(now);

        assertThat(created)
                .singleElement()
                .satisfies(op -> assertThat(op.regionId()).isEqualTo(1));
        assertThat(store1.operators())
                .as("the add-peer step went out with no region heartbeat in between")
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.getRegionId()).isEqualTo(1);
                    assertThat(r.hasChangePeer()).isTrue();
                    assertThat(r.getChangePeer().getPeer().getStoreId()).isIn(2L, 3L);
                });
        now += ROUND_MILLIS / 2;
        assertThat(coordinator.schedule(now))
                .as("a region with an operator is not checked again")
                .isEmpty();
    }

    @Test
    void anOperatorOfTheClusterIsPushedAtOnce() {
        StoreSide store1 = twoRegionsLedByStoreOne().side();
        RegionInfo region = cluster.regionById(1).orElseThrow();
        Operator transfer = Operator.single(
                region, new OperatorStep.TransferLeader(Fixtures.peer(12, 2)), "admin-transfer-leader", now);

        assertThat(coordinator.submit(transfer)).isEmpty();

        assertThat(store1.operators()).singleElement().satisfies(r -> {
            assertThat(r.getRegionId()).isEqualTo(1);
            assertThat(r.getTransferLeader().getPeer().getId()).isEqualTo(12);
        });
        // The leader's heartbeat showing the move done ends the operator; nothing more is pushed.
        Optional<Pdpb.RegionHeartbeatResponse> answer =
                coordinator.regionHeartbeat(heartbeat(region(1, "", "m"), 2), now);
        assertThat(answer).isEmpty();
        assertThat(coordinator.operator(1)).isEmpty();
    }
}
