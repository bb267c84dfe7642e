package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Crashes that lose the kv engine's unsynced writes (its apply writes are not synced: the synced
 * Raft log is their durable copy) and the raft engine's unsynced commit indexes (a hard state whose
 * only change is the commit index is not synced). A store must come back with whatever its engines
 * last synced, recover its commit index as at least its applied index, and re-apply the rest from
 * its log.
 */
class UnsyncedCrashSimTest {

    private static final long TIMEOUT_MS = 20_000;
    private static final int PUTS = 30;

    @Test
    void aCrashedFollowerLosesItsUnsyncedAppliesAndReappliesThemFromItsLog() {
        try (SimCluster cluster = new SimCluster(3, 41, SimCluster.defaultConfig())) {
            cluster.loseUnsyncedKvWritesOnCrash();
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            for (int i = 0; i < PUTS; i++) {
                commands.onLeader(SimCommands.put("k" + i, "v" + i), TIMEOUT_MS);
            }
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long leader = cluster.leaderStore();
            long follower = cluster.storeOtherThan(leader);
            RaftStore.RegionStatus before = cluster.store(follower).raftStore().regionStatus(SimCluster.REGION_ID);
            assertThat(cluster.dataOf(follower)).hasSize(PUTS);

            cluster.crash(follower);
            // Its last commit index came unsynced (etcd's MustSync rule) and was lost with the applies.
            assertThat(cluster.store(follower).raftStatesLost())
                    .as("unsynced raft states lost")
                    .isPositive();
            cluster.restart(follower);
            RaftStore.RegionStatus after = cluster.store(follower).raftStore().regionStatus(SimCluster.REGION_ID);
            assertThat(after.appliedIndex())
                    .as("the applies since the last sync were lost")
                    .isLessThan(before.appliedIndex());
            assertThat(after.lastIndex()).as("the synced log was not").isEqualTo(before.lastIndex());
            assertThat(cluster.dataOf(follower).size()).isLessThan(PUTS);

            assertThat(cluster.awaitConverged(TIMEOUT_MS))
                    .as(String.join("; ", cluster.describeStores()))
                    .isTrue();
            assertThat(cluster.dataOf(follower)).isEqualTo(cluster.dataOf(leader));
        }
    }

    @Test
    void clientsSeeALinearizableHistoryWhileStoresCrashLosingUnsyncedWrites() {
        for (long seed = 51; seed < 53; seed++) {
            runWithCrashes(seed);
        }
    }

    private void runWithCrashes(long seed) {
        // A small log limit: log GC syncs the kv engine now and then, and lagging stores need snapshots.
        RaftstoreConfig config = SimCluster.defaultConfig().withRaftLogGcCountLimit(20);
        try (SimCluster cluster = new SimCluster(3, seed, config)) {
            cluster.loseUnsyncedKvWritesOnCrash();
            cluster.start();
            cluster.awaitLeader(TIMEOUT_MS);
            History history = new History();
            List<String> keys = List.of("a", "b", "c");
            List<SimClient> clients = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                clients.add(new SimClient(
                        c, cluster, history, keys, new Random(cluster.random().nextLong())));
            }
            clients.forEach(SimClient::start);
            long electionMs = config.electionTicks() * SimCluster.TICK_MS;
            int crashes = 0;
            for (int round = 0; round < 6; round++) {
                cluster.loop().runFor(3 * electionMs);
                long victim = cluster.storeIds()
                        .get(cluster.random().nextInt(cluster.storeIds().size()));
                cluster.crash(victim);
                cluster.loop().runFor(electionMs);
                cluster.restart(victim);
                crashes++;
            }
            cluster.loop().runFor(3 * electionMs);
            clients.forEach(SimClient::stop);
            cluster.loop().runFor(SimClient.REQUEST_TIMEOUT_MS);
            String context = "seed " + seed + ": " + String.join("; ", cluster.describeStores());
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).as(context).isTrue();
            RegisterChecker.Result verdict = RegisterChecker.check(history.ops());
            assertThat(verdict.ok()).as(context + ": " + verdict.message()).isTrue();
            assertThat(history.succeeded(History.Kind.PUT)).as(context).isPositive();
            for (long storeId : cluster.storeIds()) {
                assertThat(cluster.dataOf(storeId))
                        .as(context + ": store " + storeId)
                        .isEqualTo(cluster.dataOf(1));
            }
            assertThat(crashes).isEqualTo(6);
        }
    }
}
