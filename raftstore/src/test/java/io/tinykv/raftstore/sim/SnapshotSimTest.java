package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.peer.PeerStorage;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** TinyKV's OneSnapshot: a store cut off while the log is compacted catches up by snapshot. */
class SnapshotSimTest {

    private static final long GC_LIMIT = 10;
    private static final long TIMEOUT_MS = 20_000;
    private static final int PUTS = 40;

    @Test
    void anIsolatedStoreCatchesUpBySnapshotAndKeepsItAcrossARestart() {
        RaftstoreConfig config = SimCluster.defaultConfig().withRaftLogGcCountLimit(GC_LIMIT);
        try (SimCluster cluster = new SimCluster(3, 7, config)) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("gone", "soon"), TIMEOUT_MS);
            long leader = cluster.awaitLeader(TIMEOUT_MS);
            long isolated = cluster.storeOtherThan(leader);
            cluster.loop().runUntil(() -> cluster.dataOf(isolated).size() == 1, TIMEOUT_MS);
            cluster.network().addFilter(SimNetwork.partition(Set.of(isolated), cluster.storesOtherThan(isolated)));

            for (int i = 0; i < PUTS; i++) {
                commands.onLeader(SimCommands.put("k" + i, "v" + i), TIMEOUT_MS);
            }
            commands.onLeader(SimCommands.delete("gone"), TIMEOUT_MS);
            // Let the leader's GC check run and compact past what the isolated store has.
            cluster.loop().runFor(config.raftLogGcIntervalTicks() * SimCluster.TICK_MS * 3);
            RaftStore.RegionStatus leaderStatus =
                    cluster.store(cluster.leaderStore()).raftStore().regionStatus(SimCluster.REGION_ID);
            RaftStore.RegionStatus behind = cluster.store(isolated).raftStore().regionStatus(SimCluster.REGION_ID);
            assertThat(leaderStatus.truncatedIndex())
                    .as("the leader compacted past the isolated store")
                    .isGreaterThan(behind.appliedIndex());

            cluster.network().clearFilters();
            assertThat(cluster.awaitConverged(TIMEOUT_MS))
                    .as(String.join("; ", cluster.describeStores()))
                    .isTrue();
            assertThat(cluster.network().snapshotsDelivered()).isPositive();
            RaftStore.RegionStatus caughtUp =
                    cluster.store(isolated).raftStore().regionStatus(SimCluster.REGION_ID);
            assertThat(caughtUp.truncatedIndex()).isGreaterThan(PeerStorage.RAFT_INIT_LOG_INDEX);
            assertThat(cluster.dataOf(isolated)).isEqualTo(cluster.dataOf(cluster.leaderStore()));
            assertThat(cluster.dataOf(isolated)).hasSize(PUTS);

            cluster.crash(isolated);
            cluster.restart(isolated);
            assertThat(cluster.dataOf(isolated)).isEqualTo(cluster.dataOf(cluster.leaderStore()));
            commands.onLeader(SimCommands.put("after", "restart"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            assertThat(cluster.dataOf(isolated)).isEqualTo(cluster.dataOf(cluster.leaderStore()));
            for (long storeId : cluster.storeIds()) {
                RaftStore.RegionStatus status =
                        cluster.store(storeId).raftStore().regionStatus(SimCluster.REGION_ID);
                assertThat(status.appliedIndex() - status.truncatedIndex())
                        .as("log length on store " + storeId)
                        .isLessThanOrEqualTo(2 * GC_LIMIT);
            }
        }
    }
}
