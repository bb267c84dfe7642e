package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftStoreStats;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What one replicated write costs, counted rather than timed (so the numbers do not depend on the
 * machine's load): fsyncs of the raft engine summed over the three stores, and replication
 * messages (appends and their acknowledgements) sent between them, per write. Once with one
 * client (each write alone in its round), once with {@link #CONCURRENT} writes proposed together.
 *
 * <p>The bounds are the write path's budget (issue 14, DESIGN.md §4): a lone write costs one fsync
 * per replica (the leader's log, each follower's log: a commit-index change is not synced), and
 * concurrent writes share both the fsyncs and the messages of their round.
 */
class WriteCostSimTest {

    private static final long SEED = 7;
    private static final int STORES = 3;
    private static final int WRITES = 40;
    private static final int CONCURRENT = 16;
    private static final int BATCHES = 10;
    private static final long TIMEOUT_MS = 20_000;

    /** Counts the messages of each type sent between the stores. */
    private static final class MessageCounter implements SimNetwork.Filter {
        final Map<MessageType, Long> sent = new EnumMap<>(MessageType.class);

        @Override
        public boolean allows(long fromStore, long toStore, io.tinykv.proto.RaftServerpb.RaftMessage message) {
            sent.merge(message.getMessage().getMsgType(), 1L, Long::sum);
            return true;
        }

        long replication() {
            return sent.getOrDefault(MessageType.MsgAppend, 0L) + sent.getOrDefault(MessageType.MsgAppendResponse, 0L);
        }

        long all() {
            return sent.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Costs per write of one measured stretch. */
    record Cost(double fsyncsPerWrite, double replicationMessagesPerWrite, double allMessagesPerWrite) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "fsyncs/write %.2f, appends+acks/write %.2f, all messages/write %.2f",
                    fsyncsPerWrite,
                    replicationMessagesPerWrite,
                    allMessagesPerWrite);
        }
    }

    private static long syncedWrites(SimCluster cluster) {
        long n = 0;
        for (long storeId : cluster.storeIds()) {
            RaftStoreStats.Snapshot s =
                    cluster.store(storeId).raftStore().stats().snapshot();
            n += s.syncedRaftWrites();
        }
        return n;
    }

    private static Cost measure(SimCluster cluster, MessageCounter counter, int writes, Runnable work) {
        long fsyncsBefore = syncedWrites(cluster);
        long replicationBefore = counter.replication();
        long allBefore = counter.all();
        work.run();
        // Let the commit index reach the followers and their acknowledgements come back.
        cluster.loop().runFor(SimCluster.MAX_NETWORK_DELAY_MS * 4);
        assertThat(cluster.awaitConverged(TIMEOUT_MS))
                .as(String.join("; ", cluster.describeStores()))
                .isTrue();
        return new Cost(
                (double) (syncedWrites(cluster) - fsyncsBefore) / writes,
                (double) (counter.replication() - replicationBefore) / writes,
                (double) (counter.all() - allBefore) / writes);
    }

    private static SimCluster startedCluster(MessageCounter counter) {
        SimCluster cluster = new SimCluster(STORES, SEED, SimCluster.defaultConfig());
        cluster.network().addFilter(counter);
        cluster.start();
        new SimCommands(cluster).onLeader(SimCommands.put("warm", "up"), TIMEOUT_MS);
        assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
        return cluster;
    }

    @Test
    void aLoneWriteCostsOneFsyncPerReplica() {
        MessageCounter counter = new MessageCounter();
        try (SimCluster cluster = startedCluster(counter)) {
            SimCommands commands = new SimCommands(cluster);
            long leader = cluster.awaitLeader(TIMEOUT_MS);
            RaftStoreStats.Snapshot leaderBefore =
                    cluster.store(leader).raftStore().stats().snapshot();
            Cost cost = measure(cluster, counter, WRITES, () -> {
                for (int i = 0; i < WRITES; i++) {
                    commands.onLeader(SimCommands.put("k" + i, "v" + i), TIMEOUT_MS);
                }
            });
            System.out.println("one client: " + cost);
            assertThat(cost.fsyncsPerWrite()).as(cost.toString()).isLessThanOrEqualTo(STORES);

            // Where a write's time goes, on the leader (virtual time): each waited from its proposal
            // to its apply for at least one round trip to a follower, and the apply itself takes no
            // virtual time.
            assertThat(cluster.awaitLeader(TIMEOUT_MS))
                    .as("the same leader throughout")
                    .isEqualTo(leader);
            RaftStoreStats.Snapshot stages =
                    cluster.store(leader).raftStore().stats().snapshot().minus(leaderBefore);
            assertThat(stages.proposalsSettled()).isEqualTo(WRITES);
            assertThat(stages.proposalCommitWaitNanos() / WRITES)
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(2 * SimCluster.MIN_NETWORK_DELAY_MS));
            assertThat(stages.proposalApplyNanos()).isZero();
        }
    }

    @Test
    void concurrentWritesShareTheirRoundsFsyncsAndMessages() {
        MessageCounter counter = new MessageCounter();
        try (SimCluster cluster = startedCluster(counter)) {
            SimCommands commands = new SimCommands(cluster);
            long leader = cluster.awaitLeader(TIMEOUT_MS);
            Cost cost = measure(cluster, counter, CONCURRENT * BATCHES, () -> {
                for (int b = 0; b < BATCHES; b++) {
                    AtomicInteger answered = new AtomicInteger();
                    List<CmdResult> results = new ArrayList<>();
                    for (int i = 0; i < CONCURRENT; i++) {
                        RaftCmdRequest request = RaftCmdRequest.newBuilder()
                                .setHeader(commands.header(leader))
                                .addRequests(SimCommands.put("c" + i, "v" + b))
                                .build();
                        cluster.store(leader).propose(request, new Callback(r -> {
                            synchronized (results) {
                                results.add(r);
                            }
                            answered.incrementAndGet();
                        }));
                    }
                    assertThat(cluster.loop().runUntil(() -> answered.get() == CONCURRENT, TIMEOUT_MS))
                            .isTrue();
                    assertThat(results).allMatch(r -> !r.isError());
                }
            });
            System.out.println(CONCURRENT + " concurrent: " + cost);
            assertThat(cost.fsyncsPerWrite()).as(cost.toString()).isLessThan(1);
            assertThat(cost.replicationMessagesPerWrite()).as(cost.toString()).isLessThan(1);
        }
    }
}
