package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftServerpb.PeerState;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Keys;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Stale-peer garbage collection: a peer removed while cut off learns of its removal from the
 * current members (a tombstone message) and destroys itself and its data, for good; a message from
 * a stale peer never destroys a current one.
 */
class StalePeerGcSimTest {

    private static final long TIMEOUT_MS = 20_000;
    /** How long a destroyed peer is watched for signs of life, in election timeouts. */
    private static final int WATCH_ELECTION_TIMEOUTS = 50;

    private static final long QUIET_MS = 2_000;
    /** {@code -Dtinykv.sim.seeds=N} runs each test on N seeds from its own (the default is one). */
    private static final int SEEDS = Integer.getInteger("tinykv.sim.seeds", 1);

    private static final long SEED_OFFSET = Long.getLong("tinykv.sim.firstSeed", 0);

    private interface SeededRun {
        void run(long seed);
    }

    private static void forSeeds(long firstSeed, SeededRun run) {
        for (long seed = firstSeed + SEED_OFFSET; seed < firstSeed + SEED_OFFSET + SEEDS; seed++) {
            try {
                run.run(seed);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " (replay it alone): " + e.getMessage(), e);
            }
        }
    }

    private static Metapb.Peer peer(long id, long storeId) {
        return Metapb.Peer.newBuilder().setId(id).setStoreId(storeId).build();
    }

    private static RaftStore.RegionStatus statusOn(SimCluster cluster, long storeId) {
        return cluster.store(storeId).raftStore().regionStatus(SimCluster.REGION_ID);
    }

    private static RegionLocalState regionStateOn(SimCluster cluster, long storeId) {
        return cluster.store(storeId)
                .raftStore()
                .engines()
                .kv()
                .getMessage(Cf.DEFAULT, Keys.regionStateKey(SimCluster.REGION_ID), RegionLocalState.parser());
    }

    private static long electionMs() {
        return SimCluster.defaultConfig().electionTicks() * SimCluster.TICK_MS;
    }

    @Test
    void aLeaderRemovedWhileCutOffDestroysItselfAnswersItsProposalsAndNeverComesBack() {
        forSeeds(51, StalePeerGcSimTest::removedLeader);
    }

    private static void removedLeader(long seed) {
        try (SimCluster cluster = new SimCluster(3, seed, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long victim = cluster.leaderStore();
            Metapb.Peer victimPeer = statusOn(cluster, victim).peer();
            cluster.network().addFilter(SimNetwork.partition(Set.of(victim), cluster.storesOtherThan(victim)));

            // A write the cut-off leader accepts but can never commit.
            AtomicReference<CmdResult> stranded = new AtomicReference<>();
            cluster.store(victim)
                    .raftStore()
                    .propose(
                            RaftCmdRequest.newBuilder()
                                    .setHeader(commands.header(victim))
                                    .addRequests(SimCommands.put("lost", "write"))
                                    .build(),
                            new Callback(stranded::set));

            assertThat(cluster.loop()
                            .runUntil(() -> cluster.leaderStore() != victim && cluster.leaderStore() != 0, TIMEOUT_MS))
                    .isTrue();
            commands.changePeer(ConfChangeType.RemoveNode, victimPeer, TIMEOUT_MS);
            commands.onLeader(SimCommands.put("k2", "v2"), TIMEOUT_MS);
            assertThat(statusOn(cluster, victim))
                    .as("cut off, it does not know yet")
                    .isNotNull();
            assertThat(stranded.get()).isNull();

            cluster.network().clearFilters();
            assertThat(cluster.loop().runUntil(() -> statusOn(cluster, victim) == null, TIMEOUT_MS))
                    .isTrue();
            assertThat(cluster.dataOf(victim)).isEmpty();
            assertThat(regionStateOn(cluster, victim).getState()).isEqualTo(PeerState.Tombstone);
            assertThat(stranded.get()).isNotNull();
            assertThat(stranded.get().response().getHeader().getError().hasRegionNotFound())
                    .as("the stranded write: %s", stranded.get().response())
                    .isTrue();

            // From now on the store is silent about the region, and nobody's term moves.
            AtomicLong sentByVictim = new AtomicLong();
            cluster.network().addFilter((from, to, m) -> {
                if (from == victim) {
                    sentByVictim.incrementAndGet();
                }
                return true;
            });
            long leader = cluster.leaderStore();
            long term = statusOn(cluster, leader).term();
            boolean cameBack = cluster.loop()
                    .runUntil(() -> statusOn(cluster, victim) != null, WATCH_ELECTION_TIMEOUTS * electionMs());
            assertThat(cameBack).isFalse();
            assertThat(sentByVictim.get()).isZero();
            assertThat(cluster.leaderStore()).isEqualTo(leader);
            assertThat(statusOn(cluster, leader).term()).isEqualTo(term);

            // Nor after a restart: the tombstone keeps it dead.
            cluster.crash(victim);
            cluster.restart(victim);
            cluster.loop().runFor(QUIET_MS);
            assertThat(statusOn(cluster, victim)).isNull();
            assertThat(sentByVictim.get()).isZero();
            commands.onLeader(SimCommands.put("k3", "v3"), TIMEOUT_MS);
            assertThat(cluster.memberStores()).hasSize(2).doesNotContain(victim);
        }
    }

    @Test
    void aStaleReplicaReplacedByANewPeerOfItsStoreIsDestroyedAndTheNewOneCatchesUp() {
        forSeeds(52, StalePeerGcSimTest::replacedReplica);
    }

    private static void replacedReplica(long seed) {
        try (SimCluster cluster = new SimCluster(3, seed, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long leader = cluster.leaderStore();
            long victim = cluster.storeOtherThan(leader);
            cluster.network().addFilter(SimNetwork.partition(Set.of(victim), cluster.storesOtherThan(victim)));
            commands.changePeer(ConfChangeType.RemoveNode, peer(victim, victim), TIMEOUT_MS);
            commands.onLeader(SimCommands.put("k", "v2"), TIMEOUT_MS);
            Metapb.Peer successor = peer(100 + victim, victim);
            commands.changePeer(ConfChangeType.AddNode, successor, TIMEOUT_MS);
            commands.onLeader(SimCommands.put("k3", "v3"), TIMEOUT_MS);
            assertThat(statusOn(cluster, victim).peer().getId())
                    .as("still the stale replica")
                    .isEqualTo(victim);

            cluster.network().clearFilters();
            assertThat(cluster.loop()
                            .runUntil(
                                    () -> statusOn(cluster, victim) != null
                                            && statusOn(cluster, victim).peer().equals(successor),
                                    TIMEOUT_MS))
                    .isTrue();
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            assertThat(cluster.dataOf(victim)).isEqualTo(cluster.dataOf(cluster.leaderStore()));
            assertThat(statusOn(cluster, victim).region()).isEqualTo(cluster.region());
        }
    }

    /**
     * The stale replica can reach only stores whose peers were removed after it: their tombstones
     * tell it. (Without that it would live on, talking to nobody who answers.)
     */
    @Test
    void aStaleReplicaThatReachesOnlyRemovedStoresIsToldByTheirTombstones() {
        forSeeds(54, StalePeerGcSimTest::toldByTombstones);
    }

    private static void toldByTombstones(long seed) {
        try (SimCluster cluster = new SimCluster(5, seed, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            if (cluster.leaderStore() <= 3) {
                commands.transferLeader(4, TIMEOUT_MS);
            }
            cluster.network().addFilter(SimNetwork.partition(Set.of(1L), cluster.storesOtherThan(1)));
            for (long storeId = 1; storeId <= 3; storeId++) {
                commands.changePeer(ConfChangeType.RemoveNode, peer(storeId, storeId), TIMEOUT_MS);
                long removed = storeId;
                if (removed != 1) {
                    assertThat(cluster.loop().runUntil(() -> statusOn(cluster, removed) == null, TIMEOUT_MS))
                            .isTrue();
                }
            }
            assertThat(cluster.memberStores()).containsExactly(4L, 5L);
            assertThat(statusOn(cluster, 1)).as("cut off, it does not know").isNotNull();

            cluster.network().clearFilters();
            cluster.network().addFilter(SimNetwork.partition(Set.of(1L, 2L, 3L), Set.of(4L, 5L)));
            assertThat(cluster.loop().runUntil(() -> statusOn(cluster, 1) == null, TIMEOUT_MS))
                    .isTrue();
            assertThat(cluster.dataOf(1)).isEmpty();
            assertThat(regionStateOn(cluster, 1).getState()).isEqualTo(PeerState.Tombstone);
            cluster.network().clearFilters();
            commands.onLeader(SimCommands.put("k2", "v2"), TIMEOUT_MS);
        }
    }

    @Test
    void tombstonesForAnEpochNoNewerThanThePeersOrForAnotherPeerIdDestroyNothing() {
        forSeeds(53, StalePeerGcSimTest::harmlessTombstones);
    }

    private static void harmlessTombstones(long seed) {
        try (SimCluster cluster = new SimCluster(3, seed, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            // Store 3 gets a new peer, so an older peer id of it exists to address.
            long leader = cluster.leaderStore();
            if (leader == 3) {
                commands.transferLeader(1, TIMEOUT_MS);
            }
            commands.changePeer(ConfChangeType.RemoveNode, peer(3, 3), TIMEOUT_MS);
            commands.changePeer(ConfChangeType.AddNode, peer(103, 3), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            Metapb.Region region = cluster.region();
            long confVer = region.getRegionEpoch().getConfVer();
            leader = cluster.leaderStore();
            long term = statusOn(cluster, leader).term();
            Metapb.Peer stranger = peer(99, 9);

            for (Metapb.Peer current : region.getPeersList()) {
                for (long epochConfVer : List.of(confVer, confVer - 1, 1L)) {
                    deliver(cluster, tombstone(stranger, current, region, epochConfVer));
                }
            }
            // A newer epoch, but for the store's old peer id: the current peer is not the one meant.
            deliver(cluster, tombstone(stranger, peer(3, 3), region, confVer + 1));
            cluster.loop().runFor(QUIET_MS);

            for (Metapb.Peer current : region.getPeersList()) {
                RaftStore.RegionStatus status = statusOn(cluster, current.getStoreId());
                assertThat(status).as("peer %d", current.getId()).isNotNull();
                assertThat(status.peer()).isEqualTo(current);
            }
            assertThat(cluster.leaderStore()).isEqualTo(leader);
            assertThat(statusOn(cluster, leader).term()).isEqualTo(term);
            commands.onLeader(SimCommands.put("k2", "v2"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            assertThat(cluster.dataOf(3)).isEqualTo(cluster.dataOf(leader));
        }
    }

    private static RaftMessage tombstone(Metapb.Peer from, Metapb.Peer to, Metapb.Region region, long confVer) {
        return RaftMessage.newBuilder()
                .setRegionId(region.getId())
                .setFromPeer(from)
                .setToPeer(to)
                .setRegionEpoch(region.getRegionEpoch().toBuilder().setConfVer(confVer))
                .setIsTombstone(true)
                .build();
    }

    private static void deliver(SimCluster cluster, RaftMessage message) {
        cluster.store(message.getToPeer().getStoreId()).raftStore().onRaftMessage(message);
    }
}
