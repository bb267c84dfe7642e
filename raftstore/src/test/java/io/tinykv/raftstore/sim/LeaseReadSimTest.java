package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.read.ReadStats;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Reads by leader lease: they skip the ReadIndex round while the lease holds, and never go stale. */
class LeaseReadSimTest {

    private static final long TIMEOUT_MS = 20_000;
    private static final String KEY = "k";
    /** Virtual ms between two reads (or writes) a test client sends; both run concurrently. */
    private static final long CLIENT_INTERVAL_MS = 2;

    @Test
    void readsWhileTheLeaseHoldsSkipTheReadIndexRound() {
        RaftstoreConfig config = SimCluster.defaultConfig();
        try (SimCluster cluster = new SimCluster(3, 11, config)) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put(KEY, "v1"), TIMEOUT_MS);
            long leader = cluster.leaderStore();
            ReadStats before = cluster.store(leader).raftStore().readStats(SimCluster.REGION_ID);
            // Reads spread over several lease lengths without a single write: the lease must be
            // renewed in the background for them to keep skipping the ReadIndex round.
            long leaseMs = config.maxLeaseMs();
            long until = cluster.loop().nowMs() + 5 * leaseMs;
            int reads = 0;
            while (cluster.loop().nowMs() < until) {
                CmdResult read = commands.call(leader, commands.request(leader, SimCommands.get(KEY)), TIMEOUT_MS);
                assertThat(read.isError()).as("%s", read).isFalse();
                assertThat(SimCommands.valueOf(read)).isEqualTo("v1");
                reads++;
                cluster.loop().runFor(SimCluster.TICK_MS);
            }
            ReadStats after = cluster.store(leader).raftStore().readStats(SimCluster.REGION_ID);
            assertThat(cluster.leaderStore()).isEqualTo(leader);
            assertThat(reads).isGreaterThan(config.electionTicks());
            assertThat(after.leaseReads() - before.leaseReads())
                    .as("reads answered by lease")
                    .isEqualTo(reads);
            assertThat(after.readIndexReads())
                    .as("reads that needed a ReadIndex round")
                    .isEqualTo(before.readIndexReads());
        }
    }

    @Test
    void aFollowerNeverAnswersByLease() {
        try (SimCluster cluster = new SimCluster(3, 12, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put(KEY, "v1"), TIMEOUT_MS);
            long leader = cluster.leaderStore();
            long follower = cluster.storeOtherThan(leader);
            CmdResult read = commands.call(follower, commands.request(follower, SimCommands.get(KEY)), TIMEOUT_MS);
            assertThat(read.response().getHeader().getError().hasNotLeader())
                    .as("%s", read)
                    .isTrue();
            assertThat(cluster.store(follower)
                            .raftStore()
                            .readStats(SimCluster.REGION_ID)
                            .leaseReads())
                    .isZero();
        }
    }

    /**
     * The old leader, cut off in a minority, keeps answering reads by lease for a while; its last
     * such read comes before the majority's new leader acknowledges its first write, and the whole
     * history (reads at the old leader, writes at the new one) is linearizable.
     */
    @Test
    void aPartitionedLeaderStopsLeaseReadsBeforeANewLeaderAcceptsWrites() {
        for (long seed = 31; seed < 34; seed++) {
            runPartitionedLeader(seed);
        }
    }

    private void runPartitionedLeader(long seed) {
        RaftstoreConfig config = SimCluster.defaultConfig();
        try (SimCluster cluster = new SimCluster(5, seed, config)) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            History history = new History();
            History.Op first = history.invokePut(1, KEY, "v0");
            commands.onLeader(SimCommands.put(KEY, "v0"), TIMEOUT_MS);
            history.succeed(first, null);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long oldLeader = cluster.leaderStore();
            List<Long> others =
                    cluster.storeIds().stream().filter(id -> id != oldLeader).toList();
            Set<Long> minority = Set.of(oldLeader, others.get(0));
            Set<Long> majority = Set.copyOf(others.subList(1, others.size()));

            long[] lastOldLeaderReadMs = {-1};
            long[] firstNewLeaderWriteMs = {-1};
            int[] readsAfterPartition = {0};
            boolean[] running = {true};
            long electionMs = config.electionTicks() * SimCluster.TICK_MS;

            // Client 0 reads at the old leader, client 1 writes wherever the majority's leader is.
            Runnable[] reader = new Runnable[1];
            reader[0] = () -> {
                if (!running[0]) {
                    return;
                }
                History.Op op = history.invokeGet(0, KEY);
                cluster.store(oldLeader)
                        .raftStore()
                        .propose(commands.request(oldLeader, SimCommands.get(KEY)), new Callback(result -> {
                            if (result.isError()) {
                                history.fail(op);
                                return;
                            }
                            history.succeed(op, SimCommands.valueOf(result));
                            lastOldLeaderReadMs[0] = cluster.loop().nowMs();
                            readsAfterPartition[0]++;
                        }));
                cluster.loop().schedule(CLIENT_INTERVAL_MS, reader[0]);
            };
            int[] nextValue = {1};
            Runnable[] writer = new Runnable[1];
            writer[0] = () -> {
                if (!running[0]) {
                    return;
                }
                long leader = cluster.leaderStore();
                if (majority.contains(leader)) {
                    History.Op op = history.invokePut(1, KEY, "v" + nextValue[0]++);
                    cluster.store(leader)
                            .raftStore()
                            .propose(commands.request(leader, SimCommands.put(KEY, op.value)), new Callback(result -> {
                                if (result.isError()) {
                                    history.fail(op);
                                    return;
                                }
                                history.succeed(op, null);
                                if (firstNewLeaderWriteMs[0] < 0) {
                                    firstNewLeaderWriteMs[0] = cluster.loop().nowMs();
                                }
                            }));
                }
                cluster.loop().schedule(CLIENT_INTERVAL_MS, writer[0]);
            };

            cluster.network().addFilter(SimNetwork.partition(minority, majority));
            reader[0].run();
            writer[0].run();
            cluster.loop().runUntil(() -> firstNewLeaderWriteMs[0] >= 0, TIMEOUT_MS);
            cluster.loop().runFor(2 * electionMs);
            running[0] = false;
            cluster.loop().runFor(electionMs);

            String context = "seed " + seed + ": " + cluster.describeStores();
            assertThat(firstNewLeaderWriteMs[0])
                    .as(context + ": the majority's leader took a write")
                    .isNotNegative();
            assertThat(readsAfterPartition[0])
                    .as(context + ": the old leader answered reads by lease")
                    .isPositive();
            assertThat(lastOldLeaderReadMs[0])
                    .as(context + ": the old leader's last read comes first")
                    .isLessThan(firstNewLeaderWriteMs[0]);
            assertThat(cluster.store(oldLeader)
                            .raftStore()
                            .readStats(SimCluster.REGION_ID)
                            .leaseReads())
                    .isGreaterThanOrEqualTo(readsAfterPartition[0]);
            RegisterChecker.Result verdict = RegisterChecker.check(history.ops());
            assertThat(verdict.ok()).as(context + ": " + verdict.message()).isTrue();
        }
    }
}
