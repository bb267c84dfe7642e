package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.raftstore.CmdResult;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** TinyKV's OnePartition: the old leader cut off in a minority must neither write nor read stale. */
class PartitionSimTest {

    private static final long TIMEOUT_MS = 20_000;

    @Test
    void anIsolatedOldLeaderNeitherAcceptsWritesNorServesStaleReads() {
        try (SimCluster cluster = new SimCluster(5, 21, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("k", "old"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long oldLeader = cluster.leaderStore();
            List<Long> others =
                    cluster.storeIds().stream().filter(id -> id != oldLeader).toList();
            Set<Long> minority = Set.of(oldLeader, others.get(0));
            Set<Long> majority = Set.copyOf(others.subList(1, others.size()));
            cluster.network().addFilter(SimNetwork.partition(minority, majority));

            // The minority's write cannot commit: no answer, or an error, never success.
            java.util.List<CmdResult> minorityAnswers = new java.util.ArrayList<>();
            cluster.store(oldLeader)
                    .raftStore()
                    .propose(
                            commands.request(oldLeader, SimCommands.put("k", "minority")),
                            new io.tinykv.raftstore.Callback(minorityAnswers::add));
            cluster.loop().runFor(SimCommands.ATTEMPT_TIMEOUT_MS / 10);
            assertThat(minorityAnswers)
                    .allSatisfy(answer -> assertThat(answer.isError()).isTrue());

            // The majority elects a leader and writes; meanwhile the old leader may still think it leads.
            cluster.loop().runUntil(() -> majority.contains(cluster.leaderStore()), TIMEOUT_MS);
            long newLeader = cluster.leaderStore();
            assertThat(majority).contains(newLeader);
            CmdResult write =
                    commands.call(newLeader, commands.request(newLeader, SimCommands.put("k", "new")), TIMEOUT_MS);
            assertThat(write).isNotNull();
            assertThat(write.isError()).as("%s", write).isFalse();

            // A read at the old leader must not return "old" now that "new" is acknowledged.
            CmdResult staleRead = commands.call(
                    oldLeader, commands.request(oldLeader, SimCommands.get("k")), SimCommands.ATTEMPT_TIMEOUT_MS);
            if (staleRead != null && !staleRead.isError()) {
                assertThat(SimCommands.valueOf(staleRead)).isEqualTo("new");
            }
            assertThat(cluster.dataOf(oldLeader).values())
                    .as("the minority kept the old value")
                    .containsExactly(hex("old"));

            cluster.network().clearFilters();
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            assertThat(cluster.dataOf(oldLeader)).isEqualTo(cluster.dataOf(newLeader));
            // The old leader's proposal was overwritten by the new leader's log: answered exactly
            // once (a second answer would throw), with StaleCommand.
            assertThat(minorityAnswers).hasSize(1);
            var error = minorityAnswers.get(0).response().getHeader().getError();
            assertThat(error.hasStaleCommand()).as("%s", error).isTrue();
            assertThat(SimCommands.valueOf(commands.onLeader(SimCommands.get("k"), TIMEOUT_MS)))
                    .isEqualTo("new");
        }
    }

    private static String hex(String s) {
        return java.util.HexFormat.of().formatHex(ByteString.copyFromUtf8(s).toByteArray());
    }
}
