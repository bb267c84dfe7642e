package io.tinykv.scheduler;

import static io.tinykv.scheduler.Fixtures.epoch;
import static io.tinykv.scheduler.Fixtures.peer;
import static io.tinykv.scheduler.Fixtures.region;
import static io.tinykv.scheduler.Fixtures.store;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TinyKV 3C's balance-region rules, and the move operator carried out step by step. */
class BalanceRegionTest {

    private static final long START_MILLIS = 1_700_000_000_000L;
    private static final Duration DISCONNECT = Duration.ofSeconds(20);
    private static final Duration DOWN = Duration.ofMinutes(30);

    @TempDir
    Path dir;

    private long now = START_MILLIS;
    private MetaStore meta;
    private ClusterMeta cluster;
    private Coordinator coordinator;

    private void start(int maxReplicas, Duration balanceInterval, long... storeIds) {
        start(maxReplicas, ScheduleConfig.defaults().withBalanceInterval(balanceInterval), storeIds);
    }

    private void start(int maxReplicas, ScheduleConfig schedule, long... storeIds) {
        SchedulerConfig config = SchedulerConfig.defaults(dir.resolve("meta"))
                .withMaxReplicas(maxReplicas)
                .withStoreTimes(DISCONNECT, DOWN)
                .withSchedule(schedule);
        meta = MetaStore.open(config.dataDir());
        cluster = ClusterMeta.load(meta, now, new SplittableRandom(4), DISCONNECT.toMillis(), DOWN.toMillis());
        IdAllocator ids = new IdAllocator(meta.cell(MetaStore.ID_END), 100);
        // Ids the tests use for regions and peers stay below the allocator's.
        for (int i = 0; i < 1_000; i++) {
            ids.next();
        }
        coordinator = new Coordinator(
                cluster,
                ids,
                config,
                new SchedulerMetrics(new PrometheusRegistry(), cluster),
                new SchedulerPauses(() -> now));
        cluster.bootstrap(
                store(storeIds[0]), region(1, "", "", epoch(1, 1), new long[] {11}, new long[] {storeIds[0]}), now);
        for (int i = 1; i < storeIds.length; i++) {
            cluster.putStore(store(storeIds[i]), now);
        }
    }

    @AfterEach
    void tearDown() {
        if (meta != null) {
            meta.close();
        }
    }

    /** Records a region as its leader reports it, with a size. */
    private Optional<Pdpb.RegionHeartbeatResponse> beat(
            Metapb.Region region, Metapb.Peer leader, long sizeBytes, Metapb.Peer... pending) {
        return coordinator.regionHeartbeat(
                Fixtures.heartbeat(region, leader).toBuilder()
                        .setApproximateSize(sizeBytes)
                        .addAllPendingPeers(List.of(pending))
                        .build(),
                now);
    }

    private static Metapb.Region single(long id, String start, String end, long peerId, long storeId) {
        return region(id, start, end, epoch(1, 1), new long[] {peerId}, new long[] {storeId});
    }

    @Test
    void movesARegionFromTheLargestToTheSmallestStoreStepByStep() {
        start(1, Duration.ofSeconds(1), 1, 2, 3);
        Metapb.Region r1 = single(1, "", "a", 11, 1);
        beat(r1, peer(11, 1), 60);
        beat(single(2, "a", "b", 21, 1), peer(21, 1), 100);
        beat(single(3, "b", "", 31, 2), peer(31, 2), 10);

        Operator move = coordinator.balanceRegions(now).orElseThrow();
        assertThat(move.kind()).isEqualTo("move_peer");
        assertThat(move.regionId()).isEqualTo(1);
        Metapb.Peer arriving = ((OperatorStep.AddLearner) move.steps().get(0)).peer();
        assertThat(arriving.getStoreId()).isEqualTo(3);
        assertThat(arriving.getRole()).isEqualTo(Metapb.PeerRole.Learner);
        assertThat(move.steps())
                .containsExactly(
                        new OperatorStep.AddLearner(arriving),
                        new OperatorStep.PromoteLearner(arriving),
                        new OperatorStep.RemovePeer(peer(11, 1)));

        // Step 1: the leader is asked to add a learner on store 3.
        Pdpb.RegionHeartbeatResponse add = beat(r1, peer(11, 1), 60).orElseThrow();
        assertThat(add.getChangePeer().getChangeType()).isEqualTo(Eraftpb.ConfChangeType.AddLearnerNode);
        assertThat(add.getChangePeer().getPeer()).isEqualTo(arriving);
        // While the learner catches up (pending), it is not promoted: the step is not done yet.
        Metapb.Region withLearner =
                r1.toBuilder().addPeers(arriving).setRegionEpoch(epoch(2, 1)).build();
        assertThat(beat(withLearner, peer(11, 1), 60, arriving)).isEmpty();
        // Step 2: caught up, it is promoted to voter.
        Pdpb.RegionHeartbeatResponse promote =
                beat(withLearner, peer(11, 1), 60).orElseThrow();
        assertThat(promote.getChangePeer().getChangeType()).isEqualTo(Eraftpb.ConfChangeType.AddNode);
        Metapb.Peer promoted =
                arriving.toBuilder().setRole(Metapb.PeerRole.Voter).build();
        assertThat(promote.getChangePeer().getPeer()).isEqualTo(promoted);
        arriving = promoted;
        // Step 2: the peer to remove is the leader, so leadership moves first.
        Metapb.Region two =
                r1.toBuilder().addPeers(arriving).setRegionEpoch(epoch(3, 1)).build();
        Pdpb.RegionHeartbeatResponse transfer = beat(two, peer(11, 1), 60).orElseThrow();
        assertThat(transfer.getTransferLeader().getPeer()).isEqualTo(arriving);
        Pdpb.RegionHeartbeatResponse remove = beat(two, arriving, 60).orElseThrow();
        assertThat(remove.getChangePeer().getChangeType()).isEqualTo(Eraftpb.ConfChangeType.RemoveNode);
        assertThat(remove.getChangePeer().getPeer()).isEqualTo(peer(11, 1));
        assertThat(remove.getTargetPeer()).isEqualTo(arriving);
        // Done once the old peer is gone.
        Metapb.Region moved = region(1, "", "a", epoch(4, 1), new long[] {arriving.getId()}, new long[] {3});
        assertThat(beat(moved, arriving, 60)).isEmpty();
        assertThat(coordinator.operator(1)).isEmpty();
    }

    @Test
    void noMoveWhenTheSizeGapIsAtMostTwiceTheRegion() {
        start(1, Duration.ofSeconds(1), 1, 2, 3);
        beat(single(1, "", "a", 11, 1), peer(11, 1), 100);
        beat(single(2, "a", "b", 21, 2), peer(21, 2), 50);
        beat(single(3, "b", "", 31, 3), peer(31, 3), 40);
        assertThat(coordinator.balanceRegions(now)).isEmpty();
    }

    @Test
    void movesPendingThenFollowerThenLeaderRegions() {
        // A limit of 4 operators per store lets all three moves be in flight at once.
        start(2, ScheduleConfig.defaults().withLimits(4, 4), 1, 2, 3, 4);
        Metapb.Region a = region(1, "", "a", epoch(1, 1), new long[] {11, 12}, new long[] {1, 2});
        Metapb.Region b = region(2, "a", "b", epoch(1, 1), new long[] {21, 22}, new long[] {1, 2});
        Metapb.Region c = region(3, "b", "c", epoch(1, 1), new long[] {31, 32}, new long[] {1, 2});
        // Ballast that keeps store 1 the largest while the moves are in flight (they count as done).
        Metapb.Region e = region(5, "c", "", epoch(1, 1), new long[] {51, 54}, new long[] {1, 4});
        beat(a, peer(11, 1), 10);
        beat(b, peer(22, 2), 10);
        beat(c, peer(32, 2), 10, peer(31, 1));
        beat(e, peer(51, 1), 60);
        assertThat(coordinator.balanceRegions(now).orElseThrow().regionId()).isEqualTo(3);
        assertThat(coordinator.balanceRegions(now).orElseThrow().regionId()).isEqualTo(2);
        Operator third = coordinator.balanceRegions(now).orElseThrow();
        assertThat(third.regionId()).isEqualTo(1);
        assertThat(third.steps().get(2)).isEqualTo(new OperatorStep.RemovePeer(peer(11, 1)));
        // Store 1 (60 bytes once the moves are done) and store 4 (60) are not more than twice the
        // ballast region's size above the smallest: nothing more moves.
        assertThat(coordinator.balanceRegions(now)).isEmpty();
    }

    @Test
    void onlyRegionsWithTheFullReplicaCountAndHealthyPeersMove() {
        start(3, Duration.ofSeconds(1), 1, 2, 3, 4, 5);
        // Two peers of three wanted: the replica checker's business, not balancing's.
        Metapb.Region short1 = region(1, "", "a", epoch(1, 1), new long[] {11, 12}, new long[] {1, 2});
        cluster.regionHeartbeat(RegionInfo.fromHeartbeat(Fixtures.heartbeat(short1, peer(11, 1)).toBuilder()
                .setApproximateSize(1_000)
                .build()));
        assertThat(coordinator.balanceRegions(now)).isEmpty();
        // Full, but store 3 is down: not moved by balancing either. Three such regions make
        // stores 1-3 hold 3000 bytes against 0, more than twice a region's 1000.
        for (long id = 1; id <= 3; id++) {
            Metapb.Region full = region(
                    id,
                    id == 1 ? "" : "k" + id,
                    id == 3 ? "" : "k" + (id + 1),
                    epoch(1, 2),
                    new long[] {id * 10 + 1, id * 10 + 2, id * 10 + 3},
                    new long[] {1, 2, 3});
            cluster.regionHeartbeat(RegionInfo.fromHeartbeat(Fixtures.heartbeat(full, full.getPeers(0)).toBuilder()
                    .setApproximateSize(1_000)
                    .build()));
        }
        now += DOWN.plusSeconds(1).toMillis();
        for (long s : new long[] {1, 2, 4, 5}) {
            cluster.storeHeartbeat(Pdpb.StoreStats.newBuilder().setStoreId(s).build(), now);
        }
        assertThat(coordinator.balanceRegions(now)).isEmpty();
        // Store 3 comes back: the region moves to an empty store.
        cluster.storeHeartbeat(Pdpb.StoreStats.newBuilder().setStoreId(3).build(), now);
        Operator move = coordinator.balanceRegions(now).orElseThrow();
        assertThat(((OperatorStep.AddLearner) move.steps().get(0)).peer().getStoreId())
                .isIn(4L, 5L);
    }

    @Test
    void aZeroIntervalTurnsBalancingOffWhichIsOnByDefault() {
        start(1, Duration.ZERO, 1, 2);
        beat(single(1, "", "a", 11, 1), peer(11, 1), 1_000);
        beat(single(2, "a", "", 21, 1), peer(21, 1), 1_000);
        assertThat(coordinator.schedule(now)).isEmpty();
        assertThat(SchedulerConfig.defaults(dir).schedule().balances()).isTrue();
    }
}
