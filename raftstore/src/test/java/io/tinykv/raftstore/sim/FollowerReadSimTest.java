package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.read.ReadStats;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Follower reads (replica read): a follower answers a read once it has applied the leader's read
 * index, never from a state older than a write acknowledged before the read began.
 */
class FollowerReadSimTest {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FollowerReadSimTest.class);

    private static final long TIMEOUT_MS = 20_000;
    private static final String KEY = "k";
    private static final List<String> KEYS = List.of("a", "b", "c");
    /** Virtual ms a test client waits for an answer before it records the attempt as unknown. */
    private static final long REQUEST_TIMEOUT_MS = 500;

    private static final long MAX_THINK_MS = 3;
    /** Virtual ms between two faults of the nemesis, and how long each lasts. */
    private static final long FAULT_INTERVAL_MS = 400;

    private static final long RUN_MS = 6_000;
    private static final int HEARTBEAT_TICKS = SimCluster.defaultConfig().heartbeatTicks();

    private static RaftCmdRequest replicaRead(SimCommands commands, long storeId, String key) {
        RaftRequestHeader header =
                commands.header(storeId).toBuilder().setReplicaRead(true).build();
        return RaftCmdRequest.newBuilder()
                .setHeader(header)
                .addRequests(SimCommands.get(key))
                .build();
    }

    /** How {@link SimCluster#dataOf} spells a key or value: hex of its bytes (keys with the 'z' prefix). */
    private static String hex(String text) {
        return java.util.HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8));
    }

    private static long followerReads(SimCluster cluster, long storeId) {
        ReadStats stats = cluster.store(storeId).raftStore().readStats(SimCluster.REGION_ID);
        return stats == null ? 0 : stats.followerReads();
    }

    @Test
    void aFollowerAnswersAReplicaReadWithTheLatestAcknowledgedWrite() {
        try (SimCluster cluster = new SimCluster(3, 41, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put(KEY, "v1"), TIMEOUT_MS);
            long follower = cluster.storeOtherThan(cluster.leaderStore());

            CmdResult read = commands.call(follower, replicaRead(commands, follower, KEY), TIMEOUT_MS);

            assertThat(read).isNotNull();
            assertThat(read.isError()).as("%s", read).isFalse();
            assertThat(SimCommands.valueOf(read)).isEqualTo("v1");
            assertThat(followerReads(cluster, follower))
                    .as("answered by the follower")
                    .isEqualTo(1);
        }
    }

    /**
     * The follower's appends are held back while the write commits on the other two: the read index
     * the leader returns is beyond what the follower applied, so the read waits, and is answered
     * with the new value as soon as the follower applies it.
     */
    @Test
    void aQueuedReadIsReleasedWhenTheFollowerAppliesItsReadIndex() {
        try (SimCluster cluster = new SimCluster(3, 42, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put(KEY, "v1"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long leader = cluster.leaderStore();
            long follower = cluster.storeOtherThan(leader);
            boolean[] holdAppends = {true};
            int[] appendsHeld = {0};
            cluster.network().addFilter((from, to, m) -> {
                if (holdAppends[0] && to == follower && m.getMessage().getMsgType() == MessageType.MsgAppend) {
                    appendsHeld[0]++;
                    return false;
                }
                return true;
            });
            CmdResult write = commands.call(leader, commands.request(leader, SimCommands.put(KEY, "v2")), TIMEOUT_MS);
            assertThat(write.isError()).as("%s", write).isFalse();

            AtomicReference<CmdResult> answer = new AtomicReference<>();
            cluster.store(follower).propose(replicaRead(commands, follower, KEY), new Callback(answer::set));
            // Several heartbeat rounds: the read index comes back, the entries do not.
            cluster.loop().runFor(3 * SimCluster.TICK_MS * HEARTBEAT_TICKS);
            assertThat(appendsHeld[0])
                    .as("appends to the follower were held back")
                    .isPositive();
            assertThat(answer.get())
                    .as("the read waits for the follower's apply")
                    .isNull();
            assertThat(cluster.dataOf(follower))
                    .as("the follower has not applied v2")
                    .containsEntry(hex("z" + KEY), hex("v1"));

            holdAppends[0] = false;
            cluster.loop().runUntil(() -> answer.get() != null, TIMEOUT_MS);

            assertThat(answer.get()).isNotNull();
            assertThat(answer.get().isError()).as("%s", answer.get()).isFalse();
            assertThat(SimCommands.valueOf(answer.get())).isEqualTo("v2");
            assertThat(followerReads(cluster, follower)).isEqualTo(1);
        }
    }

    /** A follower cut off from the leader answers a retryable error, never what it has applied. */
    @Test
    void aPartitionedFollowerAnswersNotLeaderNeverAStaleValue() {
        try (SimCluster cluster = new SimCluster(3, 43, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put(KEY, "v1"), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long leader = cluster.leaderStore();
            long follower = cluster.storeOtherThan(leader);
            Set<Long> rest = cluster.storesOtherThan(follower);
            cluster.network().addFilter(SimNetwork.partition(Set.of(follower), rest));
            CmdResult write = commands.call(leader, commands.request(leader, SimCommands.put(KEY, "v2")), TIMEOUT_MS);
            assertThat(write.isError()).as("%s", write).isFalse();

            CmdResult read = commands.call(follower, replicaRead(commands, follower, KEY), TIMEOUT_MS);

            assertThat(read).as("answered within the read's timeout").isNotNull();
            assertThat(read.response().getHeader().getError().hasNotLeader())
                    .as("%s", read)
                    .isTrue();
            assertThat(cluster.dataOf(follower))
                    .as("the follower still holds only v1")
                    .containsEntry(hex("z" + KEY), hex("v1"));
            assertThat(followerReads(cluster, follower)).isZero();
        }
    }

    /** Without replica_read a follower still answers NotLeader: only the flag lets it serve. */
    @Test
    void aReadWithoutReplicaReadStillGoesToTheLeader() {
        try (SimCluster cluster = new SimCluster(3, 44, SimCluster.defaultConfig())) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put(KEY, "v1"), TIMEOUT_MS);
            long follower = cluster.storeOtherThan(cluster.leaderStore());
            CmdResult read = commands.call(follower, commands.request(follower, SimCommands.get(KEY)), TIMEOUT_MS);
            assertThat(read.response().getHeader().getError().hasNotLeader())
                    .as("%s", read)
                    .isTrue();
            assertThat(followerReads(cluster, follower)).isZero();
        }
    }

    @Test
    void followerReadsAmongWritesPartitionsAndLeaderChangesAreLinearizable() {
        for (long seed = 100; seed < 104; seed++) {
            runChaos(seed);
        }
    }

    /**
     * Writers put unique values at the leader (following NotLeader hints); readers read with
     * replica_read at a random store, mostly a follower. A nemesis cuts one store off, moves the
     * leader, or drops messages, in turns. The history, reads at followers included, is checked
     * for linearizability.
     */
    private void runChaos(long seed) {
        RaftstoreConfig config = SimCluster.defaultConfig();
        try (SimCluster cluster = new SimCluster(3, seed, config)) {
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            History history = new History();
            History.Op init = history.invokePut(0, KEYS.get(0), "init");
            commands.onLeader(SimCommands.put(KEYS.get(0), "init"), TIMEOUT_MS);
            history.succeed(init, null);
            Random random = new Random(seed);
            boolean[] running = {true};
            int[] faults = new int[3]; // partitions, leader transfers, lossy periods
            int[] faultTurn = {0};
            long[] leaderChanges = {0};
            long[] lastLeader = {cluster.leaderStore()};

            for (int client = 0; client < 2; client++) {
                startWriter(cluster, commands, history, client, new Random(random.nextLong()), running);
            }
            for (int client = 2; client < 5; client++) {
                startReader(cluster, commands, history, client, new Random(random.nextLong()), running);
            }
            Runnable[] nemesis = new Runnable[1];
            nemesis[0] = () -> {
                if (!running[0]) {
                    return;
                }
                cluster.network().clearFilters();
                // The faults take turns, so every run has each of them (victims are random).
                switch (faultTurn[0]++ % 4) {
                    case 0 -> {
                        long victim = cluster.storeIds()
                                .get(random.nextInt(cluster.storeIds().size()));
                        Set<Long> rest = cluster.storesOtherThan(victim);
                        cluster.network().addFilter(SimNetwork.partition(Set.of(victim), rest));
                        faults[0]++;
                    }
                    case 1 -> {
                        long leader = cluster.leaderStore();
                        if (leader != 0) {
                            long target = cluster.storeOtherThan(leader);
                            Metapb.Peer peer = cluster.region().getPeersList().stream()
                                    .filter(p -> p.getStoreId() == target)
                                    .findFirst()
                                    .orElseThrow();
                            cluster.store(leader)
                                    .propose(
                                            RaftCmdRequest.newBuilder()
                                                    .setHeader(commands.header(leader))
                                                    .setAdminRequest(
                                                            io.tinykv.proto.RaftCmdpb.AdminRequest.newBuilder()
                                                                    .setCmdType(
                                                                            io.tinykv.proto.RaftCmdpb.AdminCmdType
                                                                                    .TransferLeader)
                                                                    .setTransferLeader(io.tinykv.proto.RaftCmdpb
                                                                            .TransferLeaderRequest.newBuilder()
                                                                            .setPeer(peer)))
                                                    .build(),
                                            new Callback(result -> {}));
                            faults[1]++;
                        }
                    }
                    case 2 -> {
                        cluster.network().addFilter(SimNetwork.dropping(new Random(random.nextLong()), 0.2));
                        faults[2]++;
                    }
                    default -> {} // a quiet period
                }
                cluster.loop().schedule(FAULT_INTERVAL_MS, nemesis[0]);
            };
            Runnable[] leaderWatch = new Runnable[1];
            leaderWatch[0] = () -> {
                long leader = cluster.leaderStore();
                if (leader != 0 && leader != lastLeader[0]) {
                    leaderChanges[0]++;
                    lastLeader[0] = leader;
                }
                if (running[0]) {
                    cluster.loop().schedule(SimCluster.TICK_MS, leaderWatch[0]);
                }
            };
            nemesis[0].run();
            leaderWatch[0].run();
            cluster.loop().runFor(RUN_MS);
            running[0] = false;
            cluster.network().clearFilters();
            cluster.loop().runFor(2 * REQUEST_TIMEOUT_MS);

            String context = "seed " + seed + ": " + cluster.describeStores();
            long servedByFollowers = cluster.storeIds().stream()
                    .mapToLong(id -> followerReads(cluster, id))
                    .sum();
            long okGets = history.ops().stream()
                    .filter(op -> op.kind == History.Kind.GET && op.isKnown())
                    .count();
            LOG.info(
                    "seed {}: {} reads answered ({} by followers), {} operations; {} partitions, {} transfers asked,"
                            + " {} lossy periods, {} leader changes seen",
                    seed,
                    okGets,
                    servedByFollowers,
                    history.ops().size(),
                    faults[0],
                    faults[1],
                    faults[2],
                    leaderChanges[0]);
            assertThat(faults[0]).as(context + ": partitions").isPositive();
            assertThat(faults[1] + leaderChanges[0])
                    .as(context + ": leader changes")
                    .isPositive();
            assertThat(leaderChanges[0])
                    .as(context + ": leaders seen to change")
                    .isPositive();
            assertThat(okGets).as(context + ": reads answered").isPositive();
            assertThat(servedByFollowers)
                    .as(context + ": reads answered by followers")
                    .isPositive();
            RegisterChecker.Result verdict = RegisterChecker.check(history.ops());
            assertThat(verdict.ok()).as(context + ": " + verdict.message()).isTrue();
        }
    }

    private static void startWriter(
            SimCluster cluster, SimCommands commands, History history, int client, Random random, boolean[] running) {
        long[] target = {cluster.storeIds().get(0)};
        int[] nextValue = {0};
        Runnable[] step = new Runnable[1];
        step[0] = () -> {
            if (!running[0]) {
                return;
            }
            String key = KEYS.get(random.nextInt(KEYS.size()));
            History.Op op = history.invokePut(client, key, "c" + client + "-v" + nextValue[0]++);
            long store = target[0];
            RaftCmdRequest request = commands.request(store, SimCommands.put(key, op.value));
            call(cluster, store, request, result -> {
                if (result == null || result.isError()) {
                    history.fail(op);
                    var error = result == null
                            ? null
                            : result.response().getHeader().getError();
                    target[0] = error != null
                                    && error.hasNotLeader()
                                    && error.getNotLeader().hasLeader()
                            ? error.getNotLeader().getLeader().getStoreId()
                            : cluster.storeIds()
                                    .get(random.nextInt(cluster.storeIds().size()));
                } else {
                    history.succeed(op, null);
                }
                cluster.loop().schedule(random.nextInt((int) MAX_THINK_MS + 1), step[0]);
            });
        };
        step[0].run();
    }

    private static void startReader(
            SimCluster cluster, SimCommands commands, History history, int client, Random random, boolean[] running) {
        Runnable[] step = new Runnable[1];
        step[0] = () -> {
            if (!running[0]) {
                return;
            }
            String key = KEYS.get(random.nextInt(KEYS.size()));
            History.Op op = history.invokeGet(client, key);
            long store =
                    cluster.storeIds().get(random.nextInt(cluster.storeIds().size()));
            call(cluster, store, replicaRead(commands, store, key), result -> {
                if (result == null || result.isError()) {
                    history.fail(op);
                } else {
                    history.succeed(op, SimCommands.valueOf(result));
                }
                cluster.loop().schedule(random.nextInt((int) MAX_THINK_MS + 1), step[0]);
            });
        };
        step[0].run();
    }

    /** Sends one request; {@code done} gets its result, or null when none came within the timeout. */
    private static void call(
            SimCluster cluster, long store, RaftCmdRequest request, java.util.function.Consumer<CmdResult> done) {
        boolean[] finished = {false};
        cluster.loop().schedule(REQUEST_TIMEOUT_MS, () -> {
            if (!finished[0]) {
                finished[0] = true;
                done.accept(null);
            }
        });
        cluster.loop()
                .schedule(
                        cluster.network().clientDelayMs(),
                        () -> cluster.store(store)
                                .propose(
                                        request,
                                        new Callback(result -> cluster.loop()
                                                .schedule(cluster.network().clientDelayMs(), () -> {
                                                    if (!finished[0]) {
                                                        finished[0] = true;
                                                        done.accept(result);
                                                    } else if (result.snapshot() != null) {
                                                        result.snapshot().close();
                                                    }
                                                }))));
    }
}
