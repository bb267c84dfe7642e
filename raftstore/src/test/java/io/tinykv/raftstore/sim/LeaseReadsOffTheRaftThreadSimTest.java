package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftstoreConfig;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a read the leader lease covers is answered on the thread that hands it to the store
 * (a gRPC thread in production), without waiting for the Raft thread's round; the lease is checked
 * there against the monotonic clock, so a leader whose Raft thread stopped (a pause, a stalled
 * disk) while its request threads run on refuses to answer from its stale state. Driven on the
 * simulator's clock: "answered on the caller's thread" is "answered before {@code propose}
 * returns, without a single simulator event".
 */
class LeaseReadsOffTheRaftThreadSimTest {

    private static final long SEED = 21;
    private static final long TIMEOUT_MS = 20_000;
    private static final String KEY = "k";
    /** How long the leader's process stays stopped, in election timeouts: others elect and write. */
    private static final int STALL_ELECTION_TIMEOUTS = 3;

    /** Hands a get to the store's request path directly and returns what came back before the call returned. */
    private static CmdResult readOnCallersThread(
            SimCluster cluster, SimCommands commands, long storeId, AtomicReference<CmdResult> answer) {
        RaftCmdRequest get = commands.request(storeId, SimCommands.get(KEY));
        cluster.store(storeId).raftStore().propose(get, new Callback(answer::set));
        return answer.get();
    }

    @Test
    void aReadUnderTheLeaseIsAnsweredOnTheCallersThread() {
        try (SimCluster cluster = new SimCluster(3, SEED, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put(KEY, "v1"), TIMEOUT_MS);
            long leader = cluster.leaderStore();
            long roundsBefore =
                    cluster.store(leader).raftStore().stats().snapshot().pollRounds();
            CmdResult answer = readOnCallersThread(cluster, commands, leader, new AtomicReference<>());
            assertThat(answer).as("answered before propose returned").isNotNull();
            assertThat(answer.isError()).as("%s", answer).isFalse();
            assertThat(SimCommands.valueOf(answer)).isEqualTo("v1");
            assertThat(cluster.store(leader).raftStore().stats().snapshot().pollRounds())
                    .as("no Raft round ran for it")
                    .isEqualTo(roundsBefore);
        }
    }

    @Test
    void aLeaseReadAfterTheLeadersPauseIsRefused() {
        RaftstoreConfig config = SimCluster.defaultConfig();
        try (SimCluster cluster = new SimCluster(3, SEED, config)) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put(KEY, "v1"), TIMEOUT_MS);
            long oldLeader = cluster.leaderStore();
            assertThat(readOnCallersThread(cluster, commands, oldLeader, new AtomicReference<>()))
                    .as("before the pause the lease answers on the caller's thread")
                    .isNotNull();

            cluster.stall(oldLeader);
            cluster.loop().runFor(STALL_ELECTION_TIMEOUTS * config.electionTicks() * SimCluster.TICK_MS);
            long newLeader = cluster.storeIds().stream()
                    .filter(id -> id != oldLeader)
                    .filter(id -> cluster.store(id)
                            .raftStore()
                            .regionStatus(SimCluster.REGION_ID)
                            .leader())
                    .findFirst()
                    .orElseThrow(
                            () -> new AssertionError("no new leader during the stall: " + cluster.describeStores()));
            CmdResult write =
                    commands.call(newLeader, commands.request(newLeader, SimCommands.put(KEY, "v2")), TIMEOUT_MS);
            assertThat(write).as("the new leader's write").isNotNull();
            assertThat(write.isError()).as("%s", write).isFalse();

            // The old leader's Raft thread is still stopped; its request path is not.
            AtomicReference<CmdResult> answer = new AtomicReference<>();
            assertThat(readOnCallersThread(cluster, commands, oldLeader, answer))
                    .as("the lease ran out on the clock while the Raft thread stood still")
                    .isNull();

            cluster.resume(oldLeader);
            cluster.loop().runUntil(() -> answer.get() != null, TIMEOUT_MS);
            CmdResult late = answer.get();
            assertThat(late).as("answered once the store runs again").isNotNull();
            if (!late.isError()) {
                assertThat(SimCommands.valueOf(late))
                        .as("never the stale value")
                        .isEqualTo("v2");
            }
        }
    }
}
