package io.tinykv.scheduler;

import static io.tinykv.scheduler.Fixtures.epoch;
import static io.tinykv.scheduler.Fixtures.info;
import static io.tinykv.scheduler.Fixtures.key;
import static io.tinykv.scheduler.Fixtures.peer;
import static io.tinykv.scheduler.Fixtures.region;
import static io.tinykv.scheduler.Fixtures.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TinyKV 3C's region heartbeat cases, on {@link ClusterMeta}. */
class RegionHeartbeatTest {

    private static final long NOW = 1_700_000_000_000L;
    private static final long DISCONNECT_MILLIS = 20_000;
    private static final long DOWN_MILLIS = 1_800_000;

    @TempDir
    Path dir;

    private MetaStore meta;
    private ClusterMeta cluster;
    /** Region 1 over all keys, peers 11, 12, 13 on stores 1, 2, 3, epoch (conf 3, version 1). */
    private Metapb.Region base;

    @BeforeEach
    void setUp() {
        meta = MetaStore.open(dir.resolve("meta"));
        cluster = ClusterMeta.load(meta, NOW, new SplittableRandom(1), DISCONNECT_MILLIS, DOWN_MILLIS);
        cluster.bootstrap(store(1), region(1, "", "", epoch(1, 1), new long[] {11}, new long[] {1}), NOW);
        cluster.putStore(store(2), NOW);
        cluster.putStore(store(3), NOW);
        base = region(1, "", "", epoch(3, 1), new long[] {11, 12, 13}, new long[] {1, 2, 3});
        assertThat(cluster.regionHeartbeat(info(base, peer(11, 1)))).isEqualTo(ClusterMeta.HeartbeatOutcome.UPDATED);
    }

    @AfterEach
    void tearDown() {
        meta.close();
    }

    private Metapb.Region known(long regionId) {
        return cluster.regionById(regionId).orElseThrow().region();
    }

    private ClusterMeta.HeartbeatOutcome beat(Metapb.Region region, Metapb.Peer leader) {
        return cluster.regionHeartbeat(info(region, leader));
    }

    private static Metapb.Region withEpoch(Metapb.Region region, long confVer, long version) {
        return region.toBuilder().setRegionEpoch(epoch(confVer, version)).build();
    }

    @Test
    void regionNotUpdate() {
        assertThat(beat(base, peer(11, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.UPDATED);
        assertThat(known(1)).isEqualTo(base);
        assertThat(cluster.regionCount()).isEqualTo(1);
    }

    @Test
    void regionUpdateVersion() {
        Metapb.Region newer = withEpoch(base, 3, 2);
        assertThat(beat(newer, peer(11, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.UPDATED);
        assertThat(known(1)).isEqualTo(newer);
    }

    @Test
    void regionWithStaleVersion() {
        beat(withEpoch(base, 3, 2), peer(11, 1));
        assertThat(beat(withEpoch(base, 3, 1), peer(12, 2))).isEqualTo(ClusterMeta.HeartbeatOutcome.STALE);
        assertThat(known(1).getRegionEpoch()).isEqualTo(epoch(3, 2));
        assertThat(cluster.regionById(1).orElseThrow().leader()).isEqualTo(peer(11, 1));
    }

    @Test
    void regionUpdateVersionAndConfver() {
        Metapb.Region newer = withEpoch(base, 4, 2);
        assertThat(beat(newer, peer(11, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.UPDATED);
        assertThat(known(1).getRegionEpoch()).isEqualTo(epoch(4, 2));
    }

    @Test
    void regionWithStaleConfVer() {
        beat(withEpoch(base, 4, 1), peer(11, 1));
        assertThat(beat(withEpoch(base, 3, 2), peer(11, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.STALE);
        assertThat(known(1).getRegionEpoch()).isEqualTo(epoch(4, 1));
    }

    @Test
    void pendingPeersAreRecordedAddedAndRemoved() {
        Pdpb.RegionHeartbeatRequest withPending = Fixtures.heartbeat(base, peer(11, 1)).toBuilder()
                .addPendingPeers(peer(13, 3))
                .build();
        cluster.regionHeartbeat(RegionInfo.fromHeartbeat(withPending));
        assertThat(cluster.regionById(1).orElseThrow().pendingPeers()).containsExactly(peer(13, 3));
        assertThat(cluster.regionById(1).orElseThrow().isPending(13)).isTrue();
        beat(base, peer(11, 1));
        assertThat(cluster.regionById(1).orElseThrow().pendingPeers()).isEmpty();
    }

    @Test
    void downPeersAreRecorded() {
        Pdpb.RegionHeartbeatRequest withDown = Fixtures.heartbeat(base, peer(11, 1)).toBuilder()
                .addDownPeers(Pdpb.PeerStats.newBuilder().setPeer(peer(12, 2)).setDownSeconds(42))
                .build();
        cluster.regionHeartbeat(RegionInfo.fromHeartbeat(withDown));
        assertThat(cluster.regionById(1).orElseThrow().downSeconds(12)).isEqualTo(42);
        assertThat(cluster.regionById(1).orElseThrow().downSeconds(13)).isZero();
    }

    @Test
    void removedPeersWithTheSameEpochAreUpdatedAndAddedBack() {
        Metapb.Region fewer = region(1, "", "", epoch(3, 1), new long[] {11, 12}, new long[] {1, 2});
        assertThat(beat(fewer, peer(11, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.UPDATED);
        assertThat(known(1).getPeersList()).containsExactly(peer(11, 1), peer(12, 2));
        assertThat(cluster.regionCountsByStore()).containsEntry(3L, 0).containsEntry(1L, 1);
        assertThat(beat(base, peer(11, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.UPDATED);
        assertThat(known(1).getPeersList()).hasSize(3);
        assertThat(cluster.regionCountsByStore()).containsEntry(3L, 1);
    }

    @Test
    void leaderChange() {
        beat(base, peer(12, 2));
        assertThat(cluster.regionById(1).orElseThrow().leader()).isEqualTo(peer(12, 2));
        assertThat(cluster.regionByKey(key("k")).orElseThrow().leader()).isEqualTo(peer(12, 2));
    }

    @Test
    void approximateSizeAndKeys() {
        cluster.regionHeartbeat(RegionInfo.fromHeartbeat(Fixtures.heartbeat(base, peer(11, 1)).toBuilder()
                .setApproximateSize(1_000)
                .setApproximateKeys(10)
                .build()));
        assertThat(cluster.regionById(1).orElseThrow().approximateSizeBytes()).isEqualTo(1_000);
        cluster.regionHeartbeat(RegionInfo.fromHeartbeat(Fixtures.heartbeat(base, peer(11, 1)).toBuilder()
                .setApproximateSize(5_000)
                .setApproximateKeys(50)
                .build()));
        assertThat(cluster.regionById(1).orElseThrow().approximateSizeBytes()).isEqualTo(5_000);
        assertThat(cluster.regionById(1).orElseThrow().approximateKeys()).isEqualTo(50);
    }

    @Test
    void splitReplacesTheParentAndBothHalvesAreRouted() {
        Metapb.Region left = region(1, "", "m", epoch(3, 2), new long[] {11, 12, 13}, new long[] {1, 2, 3});
        Metapb.Region right = region(2, "m", "", epoch(3, 2), new long[] {21, 22, 23}, new long[] {1, 2, 3});
        // The new right half reports first: it overlaps the parent's old range and is newer.
        assertThat(beat(right, peer(21, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.UPDATED);
        assertThat(cluster.regionByKey(key("z")).orElseThrow().id()).isEqualTo(2);
        beat(left, peer(11, 1));
        assertThat(cluster.regionCount()).isEqualTo(2);
        assertThat(cluster.regionByKey(key("a")).orElseThrow().region()).isEqualTo(left);
        assertThat(cluster.scanRegions(key(""), key(""), 0))
                .extracting(RegionInfo::id)
                .containsExactly(1L, 2L);
        assertThat(cluster.regionCountsByStore())
                .containsEntry(1L, 2)
                .containsEntry(2L, 2)
                .containsEntry(3L, 2);
        // The parent's old epoch is now stale, by its own id and against the overlapping half.
        assertThat(beat(base, peer(11, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.STALE);
        Metapb.Region unknownOld = region(9, "n", "p", epoch(3, 1), new long[] {91}, new long[] {1});
        assertThat(beat(unknownOld, peer(91, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.STALE);
        assertThat(cluster.regionCount()).isEqualTo(2);
    }

    /**
     * A batch split into three, every region at version + 2, heartbeating in any order: the tree
     * always holds non-overlapping ranges, ends with the three, and the parent's old view is stale.
     */
    @Test
    void aBatchSplitReportedInAnyOrderEndsWithItsRegions() {
        Metapb.Region left = region(1, "", "g", epoch(3, 3), new long[] {11, 12, 13}, new long[] {1, 2, 3});
        Metapb.Region middle = region(2, "g", "p", epoch(3, 3), new long[] {21, 22, 23}, new long[] {1, 2, 3});
        Metapb.Region right = region(3, "p", "", epoch(3, 3), new long[] {31, 32, 33}, new long[] {1, 2, 3});
        assertThat(beat(middle, peer(21, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.UPDATED);
        assertThat(cluster.regionByKey(key("a")))
                .as("the parent overlapped by the middle is gone")
                .isEmpty();
        assertThat(beat(base, peer(11, 1)))
                .as("the parent's pre-split view")
                .isEqualTo(ClusterMeta.HeartbeatOutcome.STALE);
        assertThat(beat(right, peer(31, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.UPDATED);
        assertThat(beat(left, peer(11, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.UPDATED);
        assertThat(cluster.scanRegions(key(""), key(""), 0))
                .extracting(RegionInfo::region)
                .containsExactly(left, middle, right);
    }

    @Test
    void splitAndMergeRemovesTheMergedRegion() {
        Metapb.Region left = region(1, "", "m", epoch(3, 2), new long[] {11, 12, 13}, new long[] {1, 2, 3});
        Metapb.Region right = region(2, "m", "", epoch(3, 2), new long[] {21, 22, 23}, new long[] {1, 2, 3});
        beat(left, peer(11, 1));
        beat(right, peer(21, 1));
        Metapb.Region merged = region(1, "", "", epoch(3, 3), new long[] {11, 12, 13}, new long[] {1, 2, 3});
        assertThat(beat(merged, peer(11, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.UPDATED);
        assertThat(cluster.regionCount()).isEqualTo(1);
        assertThat(cluster.regionById(2)).isEmpty();
        assertThat(cluster.regionByKey(key("z")).orElseThrow().id()).isEqualTo(1);
        // The merged-away region's late heartbeat is stale against the newer overlapping region.
        assertThat(beat(right, peer(21, 1))).isEqualTo(ClusterMeta.HeartbeatOutcome.STALE);
    }

    @Test
    void regionsSurviveARestartAndRemovedOnesStayRemoved() {
        Metapb.Region left = region(1, "", "m", epoch(3, 2), new long[] {11, 12, 13}, new long[] {1, 2, 3});
        Metapb.Region right = region(2, "m", "", epoch(3, 2), new long[] {21, 22, 23}, new long[] {1, 2, 3});
        beat(right, peer(21, 1));
        beat(left, peer(11, 1));
        meta.close();
        meta = MetaStore.open(dir.resolve("meta"));
        cluster = ClusterMeta.load(meta, NOW, new SplittableRandom(2), DISCONNECT_MILLIS, DOWN_MILLIS);
        assertThat(cluster.regions()).extracting(RegionInfo::region).containsExactlyInAnyOrder(left, right);
        assertThat(cluster.stores()).extracting(StoreInfo::id).containsExactly(1L, 2L, 3L);
    }

    @Test
    void malformedHeartbeatsAreRefusedWithAReason() {
        assertThatThrownBy(() -> beat(base.toBuilder().setId(0).build(), peer(11, 1)))
                .hasMessageContaining("without a region id");
        assertThatThrownBy(() -> beat(base.toBuilder().clearRegionEpoch().build(), peer(11, 1)))
                .hasMessageContaining("without an epoch");
        assertThatThrownBy(() -> beat(base.toBuilder().clearPeers().build(), peer(11, 1)))
                .hasMessageContaining("without peers");
        assertThatThrownBy(() -> beat(
                        base.toBuilder()
                                .setStartKey(key("z"))
                                .setEndKey(key("a"))
                                .build(),
                        peer(11, 1)))
                .hasMessageContaining("empty range");
        assertThatThrownBy(() -> beat(base, peer(99, 1))).hasMessageContaining("not one of its peers");
        assertThat(known(1)).isEqualTo(base);
    }

    /**
     * Several threads heartbeat interleaved: each owns some regions (disjoint ranges) and raises
     * their epochs, and all of them also report one shared region with random epochs. The final
     * state must hold each owned region's last epoch and the shared region's largest.
     */
    @Test
    void concurrentHeartbeatsEndInAConsistentState() throws Exception {
        int threads = 4;
        int regionsPerThread = 5;
        int roundsPerRegion = 100; // 4 x 5 x 100 = 2000 heartbeats, plus the shared ones
        // Replace region 1 with one over ["", "0") so that owned ranges "t<i>r<j>" do not overlap it.
        beat(region(1, "", "0", epoch(3, 2), new long[] {11, 12, 13}, new long[] {1, 2, 3}), peer(11, 1));
        Map<Long, Long> maxSharedVersion = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(thread);
                    for (int round = 1; round <= roundsPerRegion; round++) {
                        for (int r = 0; r < regionsPerThread; r++) {
                            long id = 100 + thread * regionsPerThread + r;
                            String start = "t" + thread + "r" + r;
                            Metapb.Region owned = region(
                                    id,
                                    start,
                                    start + "~",
                                    epoch(3, round),
                                    new long[] {id * 10 + 1, id * 10 + 2},
                                    new long[] {1, 2});
                            beat(owned, owned.getPeers(round % 2));
                        }
                        long version = 2 + random.nextInt(50);
                        Metapb.Region shared =
                                region(1, "", "0", epoch(3, version), new long[] {11, 12, 13}, new long[] {1, 2, 3});
                        beat(shared, peer(11, 1));
                        maxSharedVersion.merge(1L, version, Math::max);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(cluster.regionCount()).isEqualTo(1 + threads * regionsPerThread);
        for (int t = 0; t < threads; t++) {
            for (int r = 0; r < regionsPerThread; r++) {
                RegionInfo owned =
                        cluster.regionById(100 + t * regionsPerThread + r).orElseThrow();
                assertThat(owned.epoch().getVersion()).isEqualTo(roundsPerRegion);
                assertThat(owned.leader()).isEqualTo(owned.region().getPeers(roundsPerRegion % 2));
                assertThat(cluster.regionByKey(owned.startKey()).orElseThrow().id())
                        .isEqualTo(owned.id());
            }
        }
        assertThat(known(1).getRegionEpoch().getVersion()).isEqualTo(maxSharedVersion.get(1L));
        assertThat(cluster.scanRegions(key(""), key(""), 0)).hasSize(1 + threads * regionsPerThread);
    }
}
