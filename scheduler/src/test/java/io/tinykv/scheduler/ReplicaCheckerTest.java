package io.tinykv.scheduler;

import static io.tinykv.scheduler.Fixtures.epoch;
import static io.tinykv.scheduler.Fixtures.peer;
import static io.tinykv.scheduler.Fixtures.region;
import static io.tinykv.scheduler.Fixtures.store;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operators and the replica checker, driven through the {@link Coordinator} with virtual time. */
class ReplicaCheckerTest {

    private static final long START_MILLIS = 1_700_000_000_000L;
    private static final Duration DISCONNECT = Duration.ofSeconds(20);
    private static final Duration DOWN = Duration.ofMinutes(30);
    private static final Duration OPERATOR_TIMEOUT = Duration.ofMinutes(10);

    @TempDir
    Path dir;

    private long now = START_MILLIS;
    private MetaStore meta;
    private ClusterMeta cluster;
    private IdAllocator ids;
    private Coordinator coordinator;
    private PrometheusRegistry registry;

    @BeforeEach
    void setUp() {
        SchedulerConfig config = SchedulerConfig.defaults(dir.resolve("meta"))
                .withStoreTimes(DISCONNECT, DOWN)
                .withOperatorTimeout(OPERATOR_TIMEOUT);
        meta = MetaStore.open(config.dataDir());
        cluster = ClusterMeta.load(meta, now, new SplittableRandom(3), DISCONNECT.toMillis(), DOWN.toMillis());
        ids = new IdAllocator(meta.cell(MetaStore.ID_END), 100);
        registry = new PrometheusRegistry();
        coordinator = new Coordinator(
                cluster, ids, config, new SchedulerMetrics(registry, cluster), new SchedulerPauses(() -> now));
        cluster.bootstrap(store(1), region(1, "", "", epoch(1, 1), new long[] {11}, new long[] {1}), now);
    }

    @AfterEach
    void tearDown() {
        meta.close();
    }

    private void addStores(long... storeIds) {
        for (long id : storeIds) {
            cluster.putStore(store(id), now);
        }
    }

    /** Time passes; the listed stores keep heartbeating, the others fall silent. */
    private void advance(Duration d, long... heartbeatingStores) {
        now += d.toMillis();
        for (long id : heartbeatingStores) {
            cluster.storeHeartbeat(Pdpb.StoreStats.newBuilder().setStoreId(id).build(), now);
        }
    }

    private Optional<Pdpb.RegionHeartbeatResponse> beat(Metapb.Region region, Metapb.Peer leader) {
        return coordinator.regionHeartbeat(Fixtures.heartbeat(region, leader), now);
    }

    private Optional<Pdpb.RegionHeartbeatResponse> beatPending(
            Metapb.Region region, Metapb.Peer leader, Metapb.Peer... pending) {
        return coordinator.regionHeartbeat(
                Fixtures.heartbeat(region, leader).toBuilder()
                        .addAllPendingPeers(java.util.List.of(pending))
                        .build(),
                now);
    }

    private double operators(String kind, String event) {
        for (MetricSnapshot s : registry.scrape()) {
            if (s.getMetadata().getName().equals("tinykv_scheduler_operators")) {
                for (CounterSnapshot.CounterDataPointSnapshot p : ((CounterSnapshot) s).getDataPoints()) {
                    if (p.getLabels().get("kind").equals(kind)
                            && p.getLabels().get("event").equals(event)) {
                        return p.getValue();
                    }
                }
            }
        }
        return 0;
    }

    /** The peer the response adds: always as a learner, never a voter directly. */
    private static Metapb.Peer added(Pdpb.RegionHeartbeatResponse r) {
        assertThat(r.getChangePeer().getChangeType()).as(r.toString()).isEqualTo(Eraftpb.ConfChangeType.AddLearnerNode);
        assertThat(r.getChangePeer().getPeer().getRole()).isEqualTo(Metapb.PeerRole.Learner);
        return r.getChangePeer().getPeer();
    }

    /** The learner the response promotes to voter (AddNode of a peer the region has as a learner). */
    private static Metapb.Peer promoted(Pdpb.RegionHeartbeatResponse r) {
        assertThat(r.getChangePeer().getChangeType()).as(r.toString()).isEqualTo(Eraftpb.ConfChangeType.AddNode);
        assertThat(r.getChangePeer().getPeer().getRole()).isEqualTo(Metapb.PeerRole.Voter);
        return r.getChangePeer().getPeer();
    }

    private static Metapb.Peer learner(long id, long storeId) {
        return peer(id, storeId).toBuilder().setRole(Metapb.PeerRole.Learner).build();
    }

    /** {@code region} after its learner {@code peerId} became a voter (conf_ver + 1). */
    private static Metapb.Region withPromoted(Metapb.Region region, long peerId) {
        Metapb.RegionEpoch e = region.getRegionEpoch();
        Metapb.Region.Builder b =
                region.toBuilder().clearPeers().setRegionEpoch(epoch(e.getConfVer() + 1, e.getVersion()));
        region.getPeersList()
                .forEach(p -> b.addPeers(
                        p.getId() == peerId
                                ? p.toBuilder().setRole(Metapb.PeerRole.Voter).build()
                                : p));
        return b.build();
    }

    private static Metapb.Peer removed(Pdpb.RegionHeartbeatResponse r) {
        assertThat(r.hasChangePeer()).as(r.toString()).isTrue();
        assertThat(r.getChangePeer().getChangeType()).isEqualTo(Eraftpb.ConfChangeType.RemoveNode);
        return r.getChangePeer().getPeer();
    }

    private static Metapb.Region withPeer(Metapb.Region region, Metapb.Peer peer) {
        Metapb.RegionEpoch e = region.getRegionEpoch();
        return region.toBuilder()
                .addPeers(peer)
                .setRegionEpoch(epoch(e.getConfVer() + 1, e.getVersion()))
                .build();
    }

    private static Metapb.Region withoutPeer(Metapb.Region region, long peerId) {
        Metapb.RegionEpoch e = region.getRegionEpoch();
        Metapb.Region.Builder b =
                region.toBuilder().clearPeers().setRegionEpoch(epoch(e.getConfVer() + 1, e.getVersion()));
        region.getPeersList().stream().filter(p -> p.getId() != peerId).forEach(b::addPeers);
        return b.build();
    }

    @Test
    void addsPeersOneAtATimeOnTheLeastLoadedStoreUntilMaxReplicas() {
        addStores(2, 3);
        // Store 2 already holds a peer of another region, so store 3 is the least loaded.
        cluster.regionHeartbeat(
                Fixtures.info(region(5, "zz", "", epoch(1, 1), new long[] {51}, new long[] {2}), peer(51, 2)));
        Metapb.Region r = region(1, "", "zz", epoch(1, 2), new long[] {11}, new long[] {1});
        Pdpb.RegionHeartbeatResponse first = beat(r, peer(11, 1)).orElseThrow();
        Metapb.Peer p3 = added(first);
        assertThat(p3.getStoreId()).isEqualTo(3);
        assertThat(p3.getId()).isNotIn(11L, 51L);
        assertThat(first.getRegionId()).isEqualTo(1);
        assertThat(first.getRegionEpoch()).isEqualTo(r.getRegionEpoch());
        assertThat(first.getTargetPeer()).isEqualTo(peer(11, 1));
        assertThat(coordinator.operator(1)).isPresent();
        assertThat(operators("add_peer", "created")).isEqualTo(1);

        // Repeated until the heartbeat shows it.
        assertThat(beat(r, peer(11, 1))).contains(first);
        // Applied but the new learner is still catching up: wait, do not resend, do not promote.
        Metapb.Region withLearner = withPeer(r, p3);
        assertThat(beatPending(withLearner, peer(11, 1), p3)).isEmpty();
        // Caught up: promoted to voter.
        Pdpb.RegionHeartbeatResponse promote = beat(withLearner, peer(11, 1)).orElseThrow();
        assertThat(promoted(promote).getId()).isEqualTo(p3.getId());
        assertThat(promote.getRegionEpoch()).isEqualTo(withLearner.getRegionEpoch());
        assertThat(beat(withLearner, peer(11, 1))).contains(promote);
        // Promoted: finished, and the next replica is asked for, on store 2.
        Metapb.Region two = withPromoted(withLearner, p3.getId());
        Pdpb.RegionHeartbeatResponse second = beat(two, peer(11, 1)).orElseThrow();
        assertThat(operators("add_peer", "finished")).isEqualTo(1);
        Metapb.Peer p2 = added(second);
        assertThat(p2.getStoreId()).isEqualTo(2);
        assertThat(second.getRegionEpoch()).isEqualTo(two.getRegionEpoch());
        Metapb.Region three = withPromoted(withPeer(two, p2), p2.getId());
        assertThat(promoted(beat(withPeer(two, p2), peer(11, 1)).orElseThrow()).getId())
                .isEqualTo(p2.getId());
        assertThat(beat(three, peer(11, 1))).isEmpty();
        assertThat(coordinator.operator(1)).isEmpty();
        assertThat(beat(three, peer(11, 1))).isEmpty();
    }

    @Test
    void removesAnExtraFollowerPendingFirstNeverTheLeader() {
        addStores(2, 3, 4);
        Metapb.Region four = region(1, "", "", epoch(5, 1), new long[] {11, 12, 13, 14}, new long[] {1, 2, 3, 4});
        // The leader is on store 1; peer 13 is pending, so it goes first.
        Pdpb.RegionHeartbeatResponse r =
                beatPending(four, peer(11, 1), peer(13, 3)).orElseThrow();
        assertThat(removed(r)).isEqualTo(peer(13, 3));
        assertThat(beat(withoutPeer(four, 13), peer(11, 1))).isEmpty();
        assertThat(operators("remove_peer", "finished")).isEqualTo(1);
    }

    @Test
    void anExtraPeerIsTakenFromTheMostLoadedStoreButNotFromTheLeader() {
        addStores(2, 3, 4);
        // Store 4 holds two more regions; the leader's store 1 holds the most but keeps its peer.
        cluster.regionHeartbeat(
                Fixtures.info(region(5, "x", "y", epoch(1, 1), new long[] {51, 52}, new long[] {4, 1}), peer(51, 4)));
        cluster.regionHeartbeat(
                Fixtures.info(region(6, "y", "", epoch(1, 1), new long[] {61, 62}, new long[] {4, 1}), peer(61, 4)));
        Metapb.Region four = region(1, "", "x", epoch(5, 2), new long[] {11, 12, 13, 14}, new long[] {1, 2, 3, 4});
        assertThat(removed(beat(four, peer(11, 1)).orElseThrow())).isEqualTo(peer(14, 4));
    }

    @Test
    void aPeerOnAStoreDownTooLongIsReplacedAddFirstThenRemove() {
        addStores(2, 3, 4);
        Metapb.Region three = region(1, "", "", epoch(3, 1), new long[] {11, 12, 13}, new long[] {1, 2, 3});
        assertThat(beat(three, peer(11, 1))).isEmpty();
        // Store 3 falls silent: disconnected first — its peer is kept.
        advance(DISCONNECT.plusSeconds(1), 1, 2, 4);
        assertThat(beat(three, peer(11, 1))).isEmpty();
        // Down for longer than the max store down time: a replacement goes to store 4.
        advance(DOWN, 1, 2, 4);
        Metapb.Peer p4 = added(beat(three, peer(11, 1)).orElseThrow());
        assertThat(p4.getStoreId()).isEqualTo(4);
        // Learner first: the down peer stays until the replacement votes.
        Metapb.Region withLearner = withPeer(three, p4);
        assertThat(promoted(beat(withLearner, peer(11, 1)).orElseThrow()).getId())
                .isEqualTo(p4.getId());
        Metapb.Region withReplacement = withPromoted(withLearner, p4.getId());
        // Then the peer on the down store is removed.
        assertThat(removed(beat(withReplacement, peer(11, 1)).orElseThrow())).isEqualTo(peer(13, 3));
    }

    @Test
    void aPeerTheLeaderReportsDownTooLongIsReplaced() {
        addStores(2, 3, 4);
        Metapb.Region three = region(1, "", "", epoch(3, 1), new long[] {11, 12, 13}, new long[] {1, 2, 3});
        Pdpb.RegionHeartbeatRequest shortDown = Fixtures.heartbeat(three, peer(11, 1)).toBuilder()
                .addDownPeers(Pdpb.PeerStats.newBuilder().setPeer(peer(12, 2)).setDownSeconds(60))
                .build();
        assertThat(coordinator.regionHeartbeat(shortDown, now)).isEmpty();
        Pdpb.RegionHeartbeatRequest longDown = Fixtures.heartbeat(three, peer(11, 1)).toBuilder()
                .addDownPeers(Pdpb.PeerStats.newBuilder().setPeer(peer(12, 2)).setDownSeconds(DOWN.toSeconds()))
                .build();
        assertThat(added(coordinator.regionHeartbeat(longDown, now).orElseThrow())
                        .getStoreId())
                .isEqualTo(4);
    }

    @Test
    void withoutAStoreToReplaceADownPeerNothingIsRemoved() {
        addStores(2, 3);
        Metapb.Region three = region(1, "", "", epoch(3, 1), new long[] {11, 12, 13}, new long[] {1, 2, 3});
        advance(DOWN.plusSeconds(1), 1, 2);
        assertThat(beat(three, peer(11, 1))).isEmpty();
        assertThat(coordinator.operator(1)).isEmpty();
    }

    @Test
    void disconnectedAndDownStoresGetNoNewPeers() {
        addStores(2, 3);
        Metapb.Region one = region(1, "", "", epoch(1, 2), new long[] {11}, new long[] {1});
        advance(DISCONNECT.plusSeconds(1), 1, 3);
        assertThat(added(beat(one, peer(11, 1)).orElseThrow()).getStoreId()).isEqualTo(3);
    }

    @Test
    void aStoreLowOnDiskSpaceGetsNoNewPeers() {
        addStores(2, 3);
        long gib = 1024L * 1024 * 1024;
        // Store 3 is the least loaded but has 1 GiB of 100 GiB free: under the stores' 5% reserve.
        cluster.storeHeartbeat(
                Pdpb.StoreStats.newBuilder()
                        .setStoreId(3)
                        .setCapacity(100 * gib)
                        .setAvailable(gib)
                        .build(),
                now);
        cluster.storeHeartbeat(
                Pdpb.StoreStats.newBuilder()
                        .setStoreId(2)
                        .setCapacity(100 * gib)
                        .setAvailable(50 * gib)
                        .build(),
                now);
        cluster.regionHeartbeat(
                Fixtures.info(region(5, "zz", "", epoch(1, 1), new long[] {51}, new long[] {2}), peer(51, 2)));
        Metapb.Region r = region(1, "", "zz", epoch(1, 2), new long[] {11}, new long[] {1});

        assertThat(added(beat(r, peer(11, 1)).orElseThrow()).getStoreId()).isEqualTo(2);
    }

    @Test
    void aLeaderThatMustGoTransfersLeadershipFirst() {
        addStores(2, 3, 4);
        // The leader's store 9 is unknown to the scheduler: its peer does not count as healthy.
        Metapb.Region four = region(1, "", "", epoch(5, 1), new long[] {19, 12, 13, 14}, new long[] {9, 2, 3, 4});
        Pdpb.RegionHeartbeatResponse r = beat(four, peer(19, 9)).orElseThrow();
        assertThat(r.hasChangePeer()).isFalse();
        assertThat(r.getTransferLeader().getPeer().getStoreId()).isIn(2L, 3L, 4L);
        Metapb.Peer newLeader = r.getTransferLeader().getPeer();
        // Sent again to the old leader until leadership moved.
        assertThat(beat(four, peer(19, 9))).contains(r);
        // Once the new leader reports, the old leader's peer is removed — via the new leader.
        Pdpb.RegionHeartbeatResponse removal = beat(four, newLeader).orElseThrow();
        assertThat(operators("transfer_leader", "finished")).isEqualTo(1);
        assertThat(removed(removal)).isEqualTo(peer(19, 9));
        assertThat(removal.getTargetPeer()).isEqualTo(newLeader);
    }

    @Test
    void aRemovalThatWouldLeaveNoCaughtUpQuorumIsNotAsked() {
        addStores(2, 3, 4, 5);
        Metapb.Region four = region(1, "", "", epoch(5, 1), new long[] {11, 12, 13, 14}, new long[] {1, 2, 3, 4});
        // Store 2 is down; peers 13 and 14 are still catching up. Removing 12 would leave only
        // the leader caught up among three peers.
        advance(DOWN.plusSeconds(1), 1, 3, 4);
        assertThat(beatPending(four, peer(11, 1), peer(13, 3), peer(14, 4))).isEmpty();
    }

    @Test
    void anOperatorThatOutlivesTheTimeoutIsDroppedAndAskedAnew() {
        addStores(2, 3);
        Metapb.Region one = region(1, "", "", epoch(1, 2), new long[] {11}, new long[] {1});
        Metapb.Peer first = added(beat(one, peer(11, 1)).orElseThrow());
        advance(OPERATOR_TIMEOUT, 1, 2, 3);
        Metapb.Peer second = added(beat(one, peer(11, 1)).orElseThrow());
        assertThat(operators("add_peer", "timed_out")).isEqualTo(1);
        assertThat(second.getId()).isNotEqualTo(first.getId());
    }

    @Test
    void anOperatorIsDroppedWhenTheEpochMovesOnWithoutIt() {
        addStores(2, 3);
        Metapb.Region one = region(1, "", "", epoch(1, 2), new long[] {11}, new long[] {1});
        Metapb.Peer first = added(beat(one, peer(11, 1)).orElseThrow());
        Metapb.Region split = region(1, "", "m", epoch(1, 3), new long[] {11}, new long[] {1});
        Pdpb.RegionHeartbeatResponse again = beat(split, peer(11, 1)).orElseThrow();
        assertThat(operators("add_peer", "dropped")).isEqualTo(1);
        assertThat(again.getRegionEpoch()).isEqualTo(split.getRegionEpoch());
        assertThat(added(again).getId()).isNotEqualTo(first.getId());
    }

    @Test
    void aLearnerWithoutOperatorIsPromotedOnceCaughtUpAndNoSecondLearnerIsAdded() {
        addStores(2, 3, 4);
        // Two voters and a learner (its operator timed out, say): the region still lacks a voter.
        Metapb.Region r = region(1, "", "", epoch(3, 1), new long[] {11, 12}, new long[] {1, 2}).toBuilder()
                .addPeers(learner(13, 3))
                .build();
        // Still catching up: wait — a second learner on store 4 would be a fourth replica for nothing.
        assertThat(beatPending(r, peer(11, 1), learner(13, 3))).isEmpty();
        assertThat(coordinator.operator(1)).isEmpty();
        // Caught up: promoted.
        assertThat(promoted(beat(r, peer(11, 1)).orElseThrow()).getId()).isEqualTo(13);
        assertThat(operators("promote_learner", "created")).isEqualTo(1);
        assertThat(beat(withPromoted(r, 13), peer(11, 1))).isEmpty();
        assertThat(coordinator.operator(1)).isEmpty();
    }

    @Test
    void aLearnerTheRegionDoesNotNeedOrOnAnUnhealthyStoreIsRemoved() {
        addStores(2, 3, 4);
        Metapb.Region full = region(1, "", "", epoch(4, 1), new long[] {11, 12, 13}, new long[] {1, 2, 3}).toBuilder()
                .addPeers(learner(14, 4))
                .build();
        assertThat(removed(beat(full, peer(11, 1)).orElseThrow())).isEqualTo(learner(14, 4));

        Metapb.Region r = region(2, "", "", epoch(3, 1), new long[] {21, 22}, new long[] {1, 2}).toBuilder()
                .addPeers(learner(24, 4))
                .build();
        advance(DOWN.plusSeconds(1), 1, 2, 3);
        assertThat(removed(beat(r, peer(21, 1)).orElseThrow())).isEqualTo(learner(24, 4));
    }

    @Test
    void aLearnerNeverTakesOverLeadershipFromALeaderThatMustGo() {
        addStores(2, 3, 4);
        ReplicaChecker checker = new ReplicaChecker(cluster, 3, DOWN.toMillis(), () -> 999);
        RegionInfo region = Fixtures.info(
                region(1, "", "", epoch(5, 1), new long[] {19, 12}, new long[] {9, 2}).toBuilder()
                        .addPeers(learner(13, 3))
                        .build(),
                peer(19, 9));
        assertThat(checker.transferTarget(region, peer(19, 9), now)).contains(peer(12, 2));
        RegionInfo onlyLearner = Fixtures.info(
                region(1, "", "", epoch(5, 1), new long[] {19}, new long[] {9}).toBuilder()
                        .addPeers(learner(13, 3))
                        .build(),
                peer(19, 9));
        assertThat(checker.transferTarget(onlyLearner, peer(19, 9), now)).isEmpty();
    }

    @Test
    void staleHeartbeatsAndRegionsWithoutALeaderGetNoOperators() {
        addStores(2, 3);
        Metapb.Region one = region(1, "", "", epoch(1, 2), new long[] {11}, new long[] {1});
        assertThat(coordinator.regionHeartbeat(
                        Pdpb.RegionHeartbeatRequest.newBuilder().setRegion(one).build(), now))
                .isEmpty();
        assertThat(beat(region(1, "", "", epoch(1, 1), new long[] {11}, new long[] {1}), peer(11, 1)))
                .isEmpty();
        assertThat(coordinator.operator(1)).isEmpty();
    }
}
