package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Metapb;
import org.junit.jupiter.api.Test;

/** TinyKV's BasicConfChange and TransferLeader, as scripted simulator runs. */
class ConfChangeSimTest {

    private static final long TIMEOUT_MS = 20_000;
    /** Peer ids for re-added stores: fresh ids, as a scheduler allocates them. */
    private static final long NEW_PEER_ID_BASE = 100;

    private static Metapb.Peer peer(long id, long storeId) {
        return Metapb.Peer.newBuilder().setId(id).setStoreId(storeId).build();
    }

    @Test
    void removeDownToOneThenAddBackWithNewPeerIds() {
        try (SimCluster cluster =
                new SimCluster(5, 11, SimCluster.defaultConfig().withRaftLogGcCountLimit(10))) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("k1", "v1"), TIMEOUT_MS);
            long confVerBefore = cluster.region().getRegionEpoch().getConfVer();

            for (long storeId = 5; storeId >= 2; storeId--) {
                commands.changePeer(ConfChangeType.RemoveNode, peer(storeId, storeId), TIMEOUT_MS);
                long removed = storeId;
                cluster.loop()
                        .runUntil(
                                () -> cluster.store(removed).raftStore().regionStatus(SimCluster.REGION_ID) == null,
                                TIMEOUT_MS);
                assertThat(cluster.store(removed).raftStore().regionStatus(SimCluster.REGION_ID))
                        .as("store %d destroyed its peer", removed)
                        .isNull();
                assertThat(cluster.dataOf(removed))
                        .as("store %d lost the region's data", removed)
                        .isEmpty();
            }
            assertThat(cluster.memberStores()).containsExactly(1L);
            commands.onLeader(SimCommands.put("k2", "v2"), TIMEOUT_MS);
            // Enough writes that the log is compacted: the new peers must be caught up by snapshot.
            for (int i = 0; i < 30; i++) {
                commands.onLeader(SimCommands.put("x" + i, "y" + i), TIMEOUT_MS);
            }

            for (long storeId = 2; storeId <= 5; storeId++) {
                commands.changePeer(ConfChangeType.AddNode, peer(NEW_PEER_ID_BASE + storeId, storeId), TIMEOUT_MS);
            }
            assertThat(cluster.memberStores()).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(cluster.awaitConverged(TIMEOUT_MS))
                    .as(String.join("; ", cluster.describeStores()))
                    .isTrue();
            for (long storeId = 2; storeId <= 5; storeId++) {
                assertThat(cluster.dataOf(storeId)).as("store %d", storeId).isEqualTo(cluster.dataOf(1));
            }
            assertThat(cluster.dataOf(1)).hasSize(32);
            assertThat(cluster.region().getRegionEpoch().getConfVer()).isEqualTo(confVerBefore + 8);

            // The re-added replicas survive a crash of everything.
            for (long storeId : cluster.storeIds()) {
                cluster.crash(storeId);
            }
            for (long storeId : cluster.storeIds()) {
                cluster.restart(storeId);
            }
            commands.onLeader(SimCommands.put("k3", "v3"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            for (long storeId = 2; storeId <= 5; storeId++) {
                assertThat(cluster.dataOf(storeId))
                        .as("store %d after restart", storeId)
                        .isEqualTo(cluster.dataOf(1));
            }
        }
    }

    @Test
    void aPeerRemovedWhileCutOffIsToldSoAndDestroysItself() {
        try (SimCluster cluster = new SimCluster(3, 14, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long leader = cluster.leaderStore();
            long victim = cluster.storeOtherThan(leader);
            cluster.network()
                    .addFilter(SimNetwork.partition(java.util.Set.of(victim), cluster.storesOtherThan(victim)));
            commands.changePeer(ConfChangeType.RemoveNode, peer(victim, victim), TIMEOUT_MS);
            assertThat(cluster.store(victim).raftStore().regionStatus(SimCluster.REGION_ID))
                    .as("cut off, it has not learnt of its removal")
                    .isNotNull();

            cluster.network().clearFilters();
            cluster.loop()
                    .runUntil(
                            () -> cluster.store(victim).raftStore().regionStatus(SimCluster.REGION_ID) == null,
                            TIMEOUT_MS);
            assertThat(cluster.store(victim).raftStore().regionStatus(SimCluster.REGION_ID))
                    .isNull();
            assertThat(cluster.dataOf(victim)).isEmpty();
            commands.onLeader(SimCommands.put("k2", "v2"), TIMEOUT_MS);
            assertThat(cluster.memberStores()).doesNotContain(victim).hasSize(2);
        }
    }

    @Test
    void leadershipMovesToEachStoreInTurn() {
        try (SimCluster cluster = new SimCluster(5, 12, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            for (long storeId : cluster.storeIds()) {
                commands.transferLeader(storeId, TIMEOUT_MS);
                assertThat(cluster.leaderStore()).isEqualTo(storeId);
                commands.onLeader(SimCommands.put("led-by", String.valueOf(storeId)), TIMEOUT_MS);
            }
        }
    }

    @Test
    void removingTheLeaderMovesLeadershipFirstEvenWithTwoPeers() {
        try (SimCluster cluster = new SimCluster(3, 13, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            long leader = cluster.awaitLeader(TIMEOUT_MS);
            commands.changePeer(ConfChangeType.RemoveNode, peer(leader, leader), TIMEOUT_MS);
            assertThat(cluster.memberStores()).doesNotContain(leader).hasSize(2);
            long second = cluster.awaitLeader(TIMEOUT_MS);
            commands.changePeer(ConfChangeType.RemoveNode, peer(second, second), TIMEOUT_MS);
            assertThat(cluster.memberStores()).hasSize(1);
            commands.onLeader(SimCommands.put("alone", "yes"), TIMEOUT_MS);
            assertThat(cluster.dataOf(cluster.memberStores().get(0))).hasSize(1);
        }
    }
}
