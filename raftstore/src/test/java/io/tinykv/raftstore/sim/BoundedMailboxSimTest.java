package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A region's mailbox holds at most {@code notify-capacity} client commands and, apart, as many
 * Raft messages from other stores. A stalled store (its Raft thread held: a long fsync, a GC
 * pause) that resumes finds everything that reached it meanwhile at once; the simulator hands it
 * all before the store's first round, so the bound is met exactly.
 *
 * <p>Commands beyond the bound are answered {@code server_is_busy} at once and never applied (a
 * client may retry them as they are); the ones within it are all carried out. Raft messages
 * beyond it are dropped like lost packets, and Raft's retransmission brings the follower level
 * with the leader anyway: the argument of {@code MailboxBound}, checked.
 */
class BoundedMailboxSimTest {

    private static final long FIRST_SEED = Long.getLong("tinykv.sim.firstSeed", 4101);
    private static final int SEEDS = Integer.getInteger("tinykv.sim.seeds", 3);
    private static final int CAPACITY = 4;
    private static final int EXTRA_COMMANDS = 6;
    /** Writes committed by the other two stores while a follower is stalled. */
    private static final int WRITES_WHILE_STALLED = 20;

    private static final long TIMEOUT_MS = 20_000;

    private static RaftstoreConfig config() {
        return SimCluster.defaultConfig().withNotifyCapacity(CAPACITY);
    }

    @Test
    void commandsBeyondTheBoundAreRefusedBusyAtOnceAndNeverApplied() {
        for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
            try (SimCluster cluster = new SimCluster(3, seed, config())) {
                cluster.start();
                SimCommands commands = new SimCommands(cluster);
                commands.onLeader(SimCommands.put("before", "v"), TIMEOUT_MS);
                long leader = cluster.leaderStore();
                String context = "seed " + seed;

                cluster.stall(leader);
                List<AtomicReference<CmdResult>> answers = new ArrayList<>();
                for (int i = 0; i < CAPACITY + EXTRA_COMMANDS; i++) {
                    AtomicReference<CmdResult> answer = new AtomicReference<>();
                    answers.add(answer);
                    RaftCmdRequest put = RaftCmdRequest.newBuilder()
                            .setHeader(commands.header(leader))
                            .addRequests(SimCommands.put("k" + i, "v" + i))
                            .build();
                    cluster.store(leader).propose(put, new Callback(answer::set));
                }
                RaftStore store = cluster.store(leader).raftStore();
                long refusedBefore = store.commandsRefusedBusy();
                // Resuming hands the store every held command before its Raft thread runs a round.
                cluster.resume(leader);

                assertThat(store.commandsRefusedBusy() - refusedBefore)
                        .as(context)
                        .isEqualTo(EXTRA_COMMANDS);
                for (int i = 0; i < answers.size(); i++) {
                    CmdResult answer = answers.get(i).get();
                    if (i < CAPACITY) {
                        assertThat(answer)
                                .as(context + ": command %d fits in the mailbox, not answered yet", i)
                                .isNull();
                    } else {
                        assertThat(answer)
                                .as(context + ": command %d is beyond the bound, answered at once", i)
                                .isNotNull();
                        Errorpb.Error error = answer.response().getHeader().getError();
                        assertThat(error.hasServerIsBusy()).as(context).isTrue();
                        assertThat(error.getServerIsBusy().getReason())
                                .contains("region " + SimCluster.REGION_ID)
                                .contains(Integer.toString(CAPACITY));
                    }
                }

                cluster.loop().runUntil(() -> answers.stream().allMatch(a -> a.get() != null), TIMEOUT_MS);
                for (int i = 0; i < CAPACITY; i++) {
                    CmdResult answer = answers.get(i).get();
                    assertThat(answer).as(context + ": command %d answered", i).isNotNull();
                    assertThat(answer.isError())
                            .as(
                                    context + ": command %d within the bound is carried out: %s",
                                    i,
                                    answer.response().getHeader().getError().getMessage())
                            .isFalse();
                }
                assertThat(cluster.awaitConverged(TIMEOUT_MS)).as(context).isTrue();
                for (long storeId : cluster.storeIds()) {
                    var data = cluster.dataOf(storeId);
                    for (int i = 0; i < CAPACITY + EXTRA_COMMANDS; i++) {
                        boolean applied = data.containsKey(dataKeyHex("k" + i));
                        assertThat(applied)
                                .as(context + ": store %d has k%d", storeId, i)
                                .isEqualTo(i < CAPACITY);
                    }
                }
            }
        }
    }

    @Test
    void raftMessagesDroppedAtAFullMailboxAreSentAgainAndTheFollowerCatchesUp() {
        for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
            try (SimCluster cluster = new SimCluster(3, seed, config())) {
                cluster.start();
                SimCommands commands = new SimCommands(cluster);
                commands.onLeader(SimCommands.put("before", "v"), TIMEOUT_MS);
                long leader = cluster.leaderStore();
                long follower = cluster.storeOtherThan(leader);
                String context = "seed " + seed;

                cluster.stall(follower);
                for (int i = 0; i < WRITES_WHILE_STALLED; i++) {
                    commands.onLeader(SimCommands.put("k" + i, "v" + i), TIMEOUT_MS);
                }
                assertThat(cluster.store(follower).heldRaftMessages())
                        .as(context + ": more mail than the bound")
                        .hasSizeGreaterThan(CAPACITY);
                RaftStore store = cluster.store(follower).raftStore();
                cluster.resume(follower);
                assertThat(store.raftMessagesDroppedBusy())
                        .as(context + ": the fault happened")
                        .isPositive();

                assertThat(cluster.awaitConverged(TIMEOUT_MS))
                        .as(context + ": " + cluster.describeStores())
                        .isTrue();
                assertThat(cluster.dataOf(follower))
                        .as(context)
                        .isEqualTo(cluster.dataOf(leader))
                        .containsKey(dataKeyHex("k" + (WRITES_WHILE_STALLED - 1)));
            }
        }
    }

    /** How {@link SimCluster#dataOf} names a user key: its data key ('z' + key) in hex. */
    private static String dataKeyHex(String key) {
        return HexFormat.of().formatHex(("z" + key).getBytes(StandardCharsets.UTF_8));
    }
}
