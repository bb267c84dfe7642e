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
    /** A long interval short enough for tests that wait for unchanged regions' heartbeats. */
    private static final long SHORT_INTERVAL_MS = 1_000;
    /** Virtual time for a quiet cluster to report its settled state (sizes scanned, peers caught up). */
    private static final long SETTLE_MS = 3_000;

    private static RaftstoreConfig config() {
        return RaftstoreConfig.defaults()
                .withTickIntervalMs(SimCluster.TICK_MS)
                .withRegionHeartbeatTicks(REGION_HEARTBEAT_TICKS)
                .withStoreHeartbeatTicks(STORE_HEARTBEAT_TICKS)
                .withMaxPeerDownTicks(MAX_PEER_DOWN_TICKS);
    }

    private static Metapb.Peer peerOn(SimCluster cluster, long storeId) {
        return cluster.region().getPeersList().stream()
                .filter(p -> p.getStoreId() == storeId)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void aNewLeaderAndAnAppliedConfChangeAreReportedAtOnce() {
        RaftstoreConfig config = config().withRegionHeartbeatTicks(NEVER_TICKS).withStoreHeartbeatTicks(NEVER_TICKS);
        try (SimCluster cluster = new SimCluster(3, 31, config)) {
            SimScheduler scheduler = SimScheduler.attach(cluster, 0);
            cluster.start();
            long leader = cluster.awaitLeader(TIMEOUT_MS);
            assertThat(cluster.loop().runUntil(() -> scheduler.leader() != null, TIMEOUT_MS))
                    .isTrue();
            assertThat(scheduler.leader()).isEqualTo(peerOn(cluster, leader));

            long next = cluster.storeOtherThan(leader);
            SimCommands commands = new SimCommands(cluster);
            commands.transferLeader(next, TIMEOUT_MS);
            assertThat(cluster.loop().runUntil(() -> peerOn(cluster, next).equals(scheduler.leader()), TIMEOUT_MS))
                    .as("the scheduler learns the new leader without a periodic heartbeat")
                    .isTrue();

            long removed = cluster.storeOtherThan(next);
            commands.changePeer(ConfChangeType.RemoveNode, peerOn(cluster, removed), TIMEOUT_MS);
            assertThat(cluster.loop().runUntil(() -> scheduler.region().getPeersCount() == 2, TIMEOUT_MS))
                    .as("the scheduler learns the removal without a periodic heartbeat")
                    .isTrue();
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
            assertThat(cluster.loop().runUntil(() -> scheduler.leader() != null, TIMEOUT_MS))
                    .isTrue();
            Pdpb.RegionHeartbeatRequest first =
                    scheduler.regionBeats().getFirst().heartbeat();
            assertThat(first.getPendingPeersList())
                    .as("the new leader's first heartbeat")
                    .hasSize(2);
            assertThat(cluster.loop()
                            .runUntil(() -> scheduler.lastRegionBeat().getPendingPeersCount() == 0, TIMEOUT_MS))
                    .as("caught up, reported without a periodic heartbeat")
                    .isTrue();
            assertThat(scheduler.lastRegionBeat().getLeader()).isEqualTo(peerOn(cluster, leader));

            long next = cluster.storeOtherThan(leader);
            int before = scheduler.regionBeats().size();
            new SimCommands(cluster).transferLeader(next, TIMEOUT_MS);
            assertThat(cluster.loop()
                            .runUntil(
                                    () -> peerOn(cluster, next).equals(scheduler.leader())
                                            && scheduler.lastRegionBeat().getPendingPeersCount() == 0,
                                    TIMEOUT_MS))
                    .as("the new leader's followers reported caught up")
                    .isTrue();
            assertThat(scheduler
                            .regionBeats()
                            .subList(before, scheduler.regionBeats().size()))
                    .as("the transfer's heartbeats: first with both followers pending, then with none")
                    .anyMatch(beat -> beat.heartbeat().getPendingPeersCount() == 2);
            assertThat(scheduler.violations()).isEmpty();
        }
    }

    @Test
    void leadersKeepHeartbeatingAndStoresReportTheirStatistics() {
        try (SimCluster cluster = new SimCluster(3, 32, config().withRegionHeartbeatIntervalMs(SHORT_INTERVAL_MS))) {
            SimScheduler scheduler = SimScheduler.attach(cluster, 0);
            cluster.start();
            cluster.awaitLeader(TIMEOUT_MS);
            new SimCommands(cluster).onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            for (int round = 0; round < 3; round++) {
                int seen = scheduler.regionBeats().size();
                assertThat(cluster.loop().runUntil(() -> scheduler.regionBeats().size() > seen, TIMEOUT_MS))
                        .as("region heartbeats keep coming")
                        .isTrue();
            }
            Pdpb.RegionHeartbeatRequest last = scheduler.lastRegionBeat();
            assertThat(last.getRegion()).isEqualTo(cluster.region());
            assertThat(last.getLeader()).isEqualTo(peerOn(cluster, cluster.leaderStore()));
            assertThat(last.getTerm())
                    .isEqualTo(cluster.store(cluster.leaderStore())
                            .raftStore()
                            .regionStatus(SimCluster.REGION_ID)
                            .term());
            assertThat(last.getDownPeersList()).isEmpty();
            assertThat(last.getPendingPeersList()).isEmpty();

            assertThat(cluster.loop()
                            .runUntil(
                                    () -> scheduler.storeBeats().stream()
                                                    .map(b -> b.stats().getStoreId())
                                                    .distinct()
                                                    .count()
                                            == 3,
                                    TIMEOUT_MS))
                    .isTrue();
            for (SimScheduler.StoreBeat beat : scheduler.storeBeats()) {
                Pdpb.StoreStats stats = beat.stats();
                assertThat(stats.getRegionCount())
                        .as("store %d", stats.getStoreId())
                        .isEqualTo(1);
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
            long victim = cluster.storeOtherThan(leader);
            Metapb.Peer victimPeer = peerOn(cluster, victim);
            cluster.crash(victim);

            assertThat(cluster.loop()
                            .runUntil(
                                    () -> scheduler.lastRegionBeat().getDownPeersList().stream()
                                            .anyMatch(d -> d.getPeer().equals(victimPeer)),
                                    TIMEOUT_MS))
                    .as("reported down")
                    .isTrue();
            Pdpb.RegionHeartbeatRequest down = scheduler.lastRegionBeat();
            assertThat(down.getDownPeersList()).hasSize(1);
            assertThat(down.getDownPeers(0).getDownSeconds())
                    .isGreaterThanOrEqualTo(MAX_PEER_DOWN_TICKS * SimCluster.TICK_MS / 1000);

            for (int i = 0; i < 3 * GC_LIMIT; i++) {
                commands.onLeader(SimCommands.put("x" + i, "y"), TIMEOUT_MS);
            }
            assertThat(cluster.loop()
                            .runUntil(
                                    () -> scheduler
                                            .lastRegionBeat()
                                            .getPendingPeersList()
                                            .contains(victimPeer),
                                    TIMEOUT_MS))
                    .as("reported pending: it needs a snapshot")
                    .isTrue();
            assertThat(scheduler.lastRegionBeat().getPendingPeersList()).containsExactly(victimPeer);

            cluster.restart(victim);
            assertThat(cluster.loop()
                            .runUntil(
                                    () -> {
                                        Pdpb.RegionHeartbeatRequest hb = scheduler.lastRegionBeat();
                                        return hb.getDownPeersCount() == 0 && hb.getPendingPeersCount() == 0;
                                    },
                                    TIMEOUT_MS))
                    .as("back up and caught up")
                    .isTrue();
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
            assertThat(cluster.loop()
                            .runUntil(
                                    () -> scheduler.lastRegionBeat() != null
                                            && scheduler.lastRegionBeat().getApproximateKeys() == keys.size(),
                                    TIMEOUT_MS))
                    .isTrue();
            assertThat(scheduler.lastRegionBeat().getApproximateSize()).isEqualTo(expectedBytes);

            commands.onLeader(SimCommands.delete("alpha"), TIMEOUT_MS);
            assertThat(cluster.loop()
                            .runUntil(
                                    () -> scheduler.lastRegionBeat().getApproximateKeys() == keys.size() - 1,
                                    TIMEOUT_MS))
                    .as("a later scan sees the delete")
                    .isTrue();
            assertThat(scheduler.violations()).isEmpty();
        }
    }

    /**
     * An unchanged region is heartbeated only once per long interval, however often its leader
     * checks it; a change the scheduler needs (here: a follower gone down, then data written) is
     * heartbeated at the next check, long before the interval is up. All in virtual time.
     */
    @Test
    void anUnchangedRegionWaitsForTheLongIntervalAChangedOneIsHeartbeatedAtOnce() {
        RaftstoreConfig config = config().withStoreHeartbeatTicks(NEVER_TICKS);
        long intervalMs = config.regionHeartbeatIntervalMs();
        long checkMs = REGION_HEARTBEAT_TICKS * SimCluster.TICK_MS;
        long downMs = MAX_PEER_DOWN_TICKS * SimCluster.TICK_MS;
        assertThat(intervalMs)
                .as("the default long interval dwarfs the checks and the down time")
                .isEqualTo(RaftstoreConfig.DEFAULT_REGION_HEARTBEAT_INTERVAL_MS)
                .isGreaterThan(10 * (checkMs + downMs + SETTLE_MS));
        try (SimCluster cluster = new SimCluster(3, 36, config)) {
            SimScheduler scheduler = SimScheduler.attach(cluster, 0);
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            cluster.loop().runFor(SETTLE_MS);
            long leaderStore = cluster.leaderStore();
            Pdpb.RegionHeartbeatRequest settled = scheduler.lastRegionBeat();
            assertThat(settled.getPendingPeersCount()).isZero();
            assertThat(settled.getApproximateKeys()).isEqualTo(1);

            // Quiet: from the last heartbeat, nothing until the long interval is up.
            long lastAt = scheduler.regionBeats().getLast().atMs();
            int beats = scheduler.regionBeats().size();
            cluster.loop().runUntil(lastAt + intervalMs - SimCluster.TICK_MS);
            assertThat(scheduler.regionBeats())
                    .as("no heartbeat of the unchanged region within the interval")
                    .hasSize(beats);
            assertThat(cluster.loop().runUntil(() -> scheduler.regionBeats().size() > beats, TIMEOUT_MS))
                    .isTrue();
            SimScheduler.RegionBeat refresh = scheduler.regionBeats().get(beats);
            assertThat(refresh.atMs())
                    .as("the refresh comes at the first check after the interval")
                    .isBetween(lastAt + intervalMs, lastAt + intervalMs + checkMs);
            assertThat(refresh.heartbeat().getRegion()).isEqualTo(settled.getRegion());
            assertThat(refresh.heartbeat().getLeader()).isEqualTo(settled.getLeader());

            // The store reconnected to the scheduler (which may have restarted): heartbeated at the next check.
            int beforeReconnect = scheduler.regionBeats().size();
            long reconnectedAt = cluster.loop().nowMs();
            cluster.store(leaderStore).raftStore().onSchedulerReconnected();
            assertThat(cluster.loop().runUntil(() -> scheduler.regionBeats().size() > beforeReconnect, TIMEOUT_MS))
                    .isTrue();
            assertThat(scheduler.regionBeats().get(beforeReconnect).atMs())
                    .as("after a reconnection, at the next check")
                    .isLessThanOrEqualTo(reconnectedAt + checkMs);

            // A follower goes down: reported at the first check after it counts as down.
            long victim = cluster.storeOtherThan(leaderStore);
            Metapb.Peer victimPeer = peerOn(cluster, victim);
            long crashedAt = cluster.loop().nowMs();
            cluster.crash(victim);
            assertThat(cluster.loop()
                            .runUntil(
                                    () -> scheduler.lastRegionBeat().getDownPeersList().stream()
                                            .anyMatch(d -> d.getPeer().equals(victimPeer)),
                                    TIMEOUT_MS))
                    .as("reported down")
                    .isTrue();
            assertThat(scheduler.regionBeats().getLast().atMs())
                    .as("down is news: heartbeated at a check, not at the next refresh")
                    .isLessThanOrEqualTo(crashedAt + downMs + 2 * checkMs)
                    .isLessThan(refresh.atMs() + intervalMs);

            // Data written: the next size scan's figures are heartbeated as soon as they arrive.
            long wroteAt = cluster.loop().nowMs();
            for (int i = 0; i < 4; i++) {
                commands.onLeader(SimCommands.put("more" + i, "value"), TIMEOUT_MS);
            }
            assertThat(cluster.loop().runUntil(() -> scheduler.lastRegionBeat().getApproximateKeys() == 5, TIMEOUT_MS))
                    .as("the new size reported")
                    .isTrue();
            assertThat(scheduler.regionBeats().getLast().atMs() - wroteAt)
                    .as("within the size scans' cadence, not the long interval")
                    .isLessThan(intervalMs / 10);
            assertThat(scheduler.violations()).isEmpty();
        }
    }
}
