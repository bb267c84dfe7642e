package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.raftstore.RaftstoreConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Region and store heartbeats reach the scheduler, and say what the cluster is. */
class HeartbeatSimTest {

    private static final long TIMEOUT_MS = 20_000;
    /** So long that no periodic heartbeat happens in a test: what arrives was sent on an event. */
    private static final int NEVER_TICKS = 1_000_000;
    private static final int REGION_HEARTBEAT_TICKS = 5;
    private static final int STORE_HEARTBEAT_TICKS = 20;
    private static final int MAX_PEER_DOWN_TICKS = 150;
    private static final long GC_LIMIT = 10;

    private static RaftstoreConfig config() {
        return RaftstoreConfig.defaults().withTickIntervalMs(SimCluster.TICK_MS)
                .withRegionHeartbeatTicks(REGION_HEARTBEAT_TICKS).withStoreHeartbeatTicks(STORE_HEARTBEAT_TICKS)
                .withMaxPeerDownTicks(MAX_PEER_DOWN_TICKS);
    }

    private static Metapb.Peer peerOn(SimCluster cluster, long storeId) {
        return cluster.region().getPeersList().stream().filter(p -> p.getStoreId() == storeId).findFirst()
                .orElseThrow();
    }

    @Test
    void aNewLeaderAndAnAppliedConfChangeAreReportedAtOnce() {
        RaftstoreConfig config = config().withRegionHeartbeatTicks(NEVER_TICKS).withStoreHeartbeatTicks(NEVER_TICKS);
        try (SimCluster cluster = new SimCluster(3, 31, config)) {
            SimScheduler scheduler = SimScheduler.attach(cluster, 0);
            cluster.start();
            long leader = cluster.awaitLeader(TIMEOUT_MS);
            assertThat(cluster.loop().runUntil(() -> scheduler.leader() != null, TIMEOUT_MS)).isTrue();
            assertThat(scheduler.leader()).isEqualTo(peerOn(cluster, leader));

            long next = cluster.storeIds().stream().filter(id -> id != leader).findFirst().orElseThrow();
            SimCommands commands = new SimCommands(cluster);
            commands.transferLeader(next, TIMEOUT_MS);
            assertThat(cluster.loop().runUntil(() -> peerOn(cluster, next).equals(scheduler.leader()), TIMEOUT_MS))
                    .as("the scheduler learns the new leader without a periodic heartbeat").isTrue();

            long removed = cluster.storeIds().stream().filter(id -> id != next).findFirst().orElseThrow();
            commands.changePeer(ConfChangeType.RemoveNode, peerOn(cluster, removed), TIMEOUT_MS);
            assertThat(cluster.loop().runUntil(() -> scheduler.region().getPeersCount() == 2, TIMEOUT_MS))
                    .as("the scheduler learns the removal without a periodic heartbeat").isTrue();
            assertThat(scheduler.region()).isEqualTo(cluster.region());
            assertThat(scheduler.storeBeats()).isEmpty();
            assertThat(scheduler.violations()).isEmpty();
        }
    }

    /**
     * A new leader has heard from nobody, so its first heartbeat reports every follower pending; once
     * they answer it reports them caught up at once, not a period later (a stale "pending" makes the
     * scheduler refuse a leader transfer to them and hold back a learner's promotion; seen in
     * DashboardCompatTest on a loaded machine).
     */
    @Test
    void aPeerReportedPendingIsReportedCaughtUpAtOnce() {
        RaftstoreConfig config = config().withRegionHeartbeatTicks(NEVER_TICKS).withStoreHeartbeatTicks(NEVER_TICKS);
        try (SimCluster cluster = new SimCluster(3, 35, config)) {
            SimScheduler scheduler = SimScheduler.attach(cluster, 0);
            cluster.start();
            long leader = cluster.awaitLeader(TIMEOUT_MS);
            assertThat(cluster.loop().runUntil(() -> scheduler.leader() != null, TIMEOUT_MS)).isTrue();
            Pdpb.RegionHeartbeatRequest first = scheduler.regionBeats().getFirst().heartbeat();
            assertThat(first.getPendingPeersList()).as("the new leader's first heartbeat").hasSize(2);
            assertThat(cluster.loop().runUntil(() -> scheduler.lastRegionBeat().getPendingPeersCount() == 0,
                    TIMEOUT_MS)).as("caught up, reported without a periodic heartbeat").isTrue();
            assertThat(scheduler.lastRegionBeat().getLeader()).isEqualTo(peerOn(cluster, leader));

            long next = cluster.storeIds().stream().filter(id -> id != leader).findFirst().orElseThrow();
            int before = scheduler.regionBeats().size();
            new SimCommands(cluster).transferLeader(next, TIMEOUT_MS);
            assertThat(cluster.loop().runUntil(() -> peerOn(cluster, next).equals(scheduler.leader())
                    && scheduler.lastRegionBeat().getPendingPeersCount() == 0, TIMEOUT_MS))
                    .as("the new leader's followers reported caught up").isTrue();
            assertThat(scheduler.regionBeats().subList(before, scheduler.regionBeats().size()))
                    .as("the transfer's heartbeats: first with both followers pending, then with none")
                    .anyMatch(beat -> beat.heartbeat().getPendingPeersCount() == 2);
            assertThat(scheduler.violations()).isEmpty();
        }
    }

    @Test
    void leadersKeepHeartbeatingAndStoresReportTheirStatistics() {
        try (SimCluster cluster = new SimCluster(3, 32, config())) {
            SimScheduler scheduler = SimScheduler.attach(cluster, 0);
            cluster.start();
            cluster.awaitLeader(TIMEOUT_MS);
            new SimCommands(cluster).onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            for (int round = 0; round < 3; round++) {
                int seen = scheduler.regionBeats().size();
                assertThat(cluster.loop().runUntil(() -> scheduler.regionBeats().size() > seen, TIMEOUT_MS))
                        .as("region heartbeats keep coming").isTrue();
            }
            Pdpb.RegionHeartbeatRequest last = scheduler.lastRegionBeat();
            assertThat(last.getRegion()).isEqualTo(cluster.region());
            assertThat(last.getLeader()).isEqualTo(peerOn(cluster, cluster.leaderStore()));
            assertThat(last.getTerm()).isEqualTo(cluster.store(cluster.leaderStore()).raftStore()
                    .regionStatus(SimCluster.REGION_ID).term());
            assertThat(last.getDownPeersList()).isEmpty();
            assertThat(last.getPendingPeersList()).isEmpty();

            assertThat(cluster.loop().runUntil(() -> scheduler.storeBeats().stream()
                    .map(b -> b.stats().getStoreId()).distinct().count() == 3, TIMEOUT_MS)).isTrue();
            for (SimScheduler.StoreBeat beat : scheduler.storeBeats()) {
                Pdpb.StoreStats stats = beat.stats();
                assertThat(stats.getRegionCount()).as("store %d", stats.getStoreId()).isEqualTo(1);
                assertThat(stats.getUsedSize()).isPositive();
                assertThat(stats.getCapacity()).isPositive();
                assertThat(stats.getAvailable()).isBetween(0L, stats.getCapacity());
            }
            assertThat(scheduler.violations()).isEmpty();
        }
    }

    @Test
    void aCrashedFollowerIsDownAndPendingOnceTheLogMovesPastItThenRecovers() {
        try (SimCluster cluster = new SimCluster(3, 33, config().withRaftLogGcCountLimit(GC_LIMIT))) {
            SimScheduler scheduler = SimScheduler.attach(cluster, 0);
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long leader = cluster.leaderStore();
            long victim = cluster.storeIds().stream().filter(id -> id != leader).findFirst().orElseThrow();
            Metapb.Peer victimPeer = peerOn(cluster, victim);
            cluster.crash(victim);

            assertThat(cluster.loop().runUntil(() -> scheduler.lastRegionBeat().getDownPeersList().stream()
                    .anyMatch(d -> d.getPeer().equals(victimPeer)), TIMEOUT_MS)).as("reported down").isTrue();
            Pdpb.RegionHeartbeatRequest down = scheduler.lastRegionBeat();
            assertThat(down.getDownPeersList()).hasSize(1);
            assertThat(down.getDownPeers(0).getDownSeconds())
                    .isGreaterThanOrEqualTo(MAX_PEER_DOWN_TICKS * SimCluster.TICK_MS / 1000);

            for (int i = 0; i < 3 * GC_LIMIT; i++) {
                commands.onLeader(SimCommands.put("x" + i, "y"), TIMEOUT_MS);
            }
            assertThat(cluster.loop().runUntil(() -> scheduler.lastRegionBeat().getPendingPeersList()
                    .contains(victimPeer), TIMEOUT_MS)).as("reported pending: it needs a snapshot").isTrue();
            assertThat(scheduler.lastRegionBeat().getPendingPeersList()).containsExactly(victimPeer);

            cluster.restart(victim);
            assertThat(cluster.loop().runUntil(() -> {
                Pdpb.RegionHeartbeatRequest hb = scheduler.lastRegionBeat();
                return hb.getDownPeersCount() == 0 && hb.getPendingPeersCount() == 0;
            }, TIMEOUT_MS)).as("back up and caught up").isTrue();
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            assertThat(scheduler.violations()).isEmpty();
        }
    }

    @Test
    void theApproximateSizeFollowsTheRegionsData() {
        try (SimCluster cluster = new SimCluster(3, 34, config())) {
            SimScheduler scheduler = SimScheduler.attach(cluster, 0);
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            List<String> keys = List.of("alpha", "beta", "gamma", "delta");
            long bytes = 0;
            for (String key : keys) {
                String value = key.toUpperCase() + "-value";
                commands.onLeader(SimCommands.put(key, value), TIMEOUT_MS);
                bytes += key.length() + value.length();
            }
            long expectedBytes = bytes;
            assertThat(cluster.loop().runUntil(() -> scheduler.lastRegionBeat() != null
                    && scheduler.lastRegionBeat().getApproximateKeys() == keys.size(), TIMEOUT_MS)).isTrue();
            assertThat(scheduler.lastRegionBeat().getApproximateSize()).isEqualTo(expectedBytes);

            commands.onLeader(SimCommands.delete("alpha"), TIMEOUT_MS);
            assertThat(cluster.loop().runUntil(() -> scheduler.lastRegionBeat().getApproximateKeys() == keys.size() - 1,
                    TIMEOUT_MS)).as("a later scan sees the delete").isTrue();
            assertThat(scheduler.violations()).isEmpty();
        }
    }
}
