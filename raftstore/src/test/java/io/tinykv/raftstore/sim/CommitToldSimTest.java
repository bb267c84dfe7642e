package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The raftstore leaves a new commit index to the leader's next append or heartbeat
 * ({@code CommitBroadcast.WITH_NEXT_MESSAGE}), but the followers are told at once when it covers a
 * split: they create their peers of the new regions when they apply it, and the new regions' leaders
 * (elected where the old one was, as soon as it applied) would otherwise reach stores that do not have
 * the region yet. Heartbeats are made too rare here to carry the news, so only the prompt telling can.
 */
class CommitToldSimTest {

    private static final long TIMEOUT_MS = 20_000;
    private static final int ELECTION_TICKS = 400;
    /** Far longer than the test waits after the split commits: no heartbeat carries the commit index. */
    private static final int HEARTBEAT_TICKS = 300;
    /** A few network round trips; a heartbeat is {@link #HEARTBEAT_TICKS} ticks away. */
    private static final long PROMPTLY_MS = 20 * SimCluster.TICK_MS;

    private static RaftstoreConfig config() {
        return RaftstoreConfig.builder()
                .electionTicks(ELECTION_TICKS)
                .heartbeatTicks(HEARTBEAT_TICKS)
                .tickIntervalMs(SimCluster.TICK_MS)
                .hibernateRegions(false)
                .build();
    }

    @Test
    void everyFollowerAppliesASplitWithoutWaitingForAHeartbeat() {
        try (SimCluster cluster = new SimCluster(3, 41, config())) {
            SimScheduler.attach(cluster, 0);
            cluster.start();
            long leader = cluster.awaitLeader(TIMEOUT_MS);
            SimCommands commands = new SimCommands(cluster);
            // A write first, so the split is not the leader's first entry in its term (whose commit
            // Raft tells at once anyway).
            assertThat(SimCommands.valueOf(commands.onLeader(SimCommands.put("a", "1"), TIMEOUT_MS)))
                    .isNull();

            long versionBefore = cluster.region().getRegionEpoch().getVersion();
            AtomicReference<CmdResult> answer = new AtomicReference<>();
            cluster.store(leader)
                    .raftStore()
                    .split(
                            SimCluster.REGION_ID,
                            cluster.region().getRegionEpoch(),
                            List.of(ByteString.copyFromUtf8("m")),
                            new Callback(answer::set));
            assertThat(cluster.loop().runUntil(() -> answer.get() != null, TIMEOUT_MS))
                    .as("the leader applied the split")
                    .isTrue();
            assertThat(answer.get().isError()).as("%s", answer.get().response()).isFalse();
            long appliedAtMs = cluster.loop().nowMs();

            assertThat(cluster.loop().runUntil(() -> everyStoreAppliedTheSplit(cluster, versionBefore), PROMPTLY_MS))
                    .as(
                            "every follower applied the split within %d ms of the leader (a heartbeat is %d ms away)",
                            PROMPTLY_MS, HEARTBEAT_TICKS * SimCluster.TICK_MS)
                    .isTrue();
            assertThat(cluster.loop().nowMs() - appliedAtMs).isLessThanOrEqualTo(PROMPTLY_MS);
        }
    }

    /** Whether every store's peer of the old region is past {@code versionBefore}: it applied the split. */
    private static boolean everyStoreAppliedTheSplit(SimCluster cluster, long versionBefore) {
        for (long storeId : cluster.storeIds()) {
            RaftStore store = cluster.store(storeId).raftStore();
            RaftStore.RegionStatus old = store.regionStatus(SimCluster.REGION_ID);
            if (old == null || old.region().getRegionEpoch().getVersion() <= versionBefore) {
                return false;
            }
        }
        return true;
    }
}
