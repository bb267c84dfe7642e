package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.read.ReadStats;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Hibernate regions on the simulator: an idle region stops ticking and exchanges no Raft message;
 * anything with news wakes it; a woken leader reads by ReadIndex until a quorum answered it; and an
 * idle region whose leader dies or is cut off silently elects a new one within the bound that the
 * stores' liveness pings give ({@code hibernate-check-ticks}).
 *
 * <p>{@code -Dtinykv.sim.seeds=N} runs N seeds from {@code tinykv.sim.firstSeed}; odd seeds run five
 * stores, even ones three.
 */
class HibernateSimTest {

    private static final long FIRST_SEED = Long.getLong("tinykv.sim.firstSeed", 1);
    private static final int SEEDS = Integer.getInteger("tinykv.sim.seeds", 3);
    private static final long TIMEOUT_MS = 20_000;
    private static final String KEY = "k";

    private static final RaftstoreConfig CONFIG = SimCluster.defaultConfig();
    private static final long ELECTION_MS = CONFIG.electionTicks() * SimCluster.TICK_MS;
    private static final long CHECK_MS = CONFIG.hibernateCheckTicks() * SimCluster.TICK_MS;
    /**
     * How long an idle region may go without a leader after its leader's store went silent: the
     * liveness pings notice it within two ping intervals and a tick (the last ping may have come just
     * before the crash); then Raft's usual election, whose rounds last one to two election timeouts
     * each (a woken follower refuses candidates for one): the bound allows three rounds, as a
     * split vote among followers that all woke at once costs another.
     */
    private static final long LEADERLESS_BOUND_MS = 2 * CHECK_MS + SimCluster.TICK_MS + 6 * ELECTION_MS;

    /** Counts the Raft messages of regions (not the stores' liveness pings) the network is handed. */
    private static final class RegionMessages implements SimNetwork.Filter {
        final AtomicLong regionMessages = new AtomicLong();
        final AtomicLong pings = new AtomicLong();

        @Override
        public boolean allows(long fromStore, long toStore, io.tinykv.proto.RaftServerpb.RaftMessage message) {
            (message.getRegionId() == 0 ? pings : regionMessages).incrementAndGet();
            return true;
        }
    }

    @Test
    void anIdleRegionExchangesNoRaftMessageAndNoTickYetServesReadsAndWrites() {
        forEachSeed((seed) -> {
            try (SimCluster cluster = started(seed)) {
                SimCommands commands = new SimCommands(cluster);
                commands.onLeader(SimCommands.put(KEY, "v1"), TIMEOUT_MS);
                String context = "seed " + seed;
                assertThat(awaitAllIdle(cluster))
                        .as(context + ": every peer idle")
                        .isTrue();

                RegionMessages counter = new RegionMessages();
                cluster.network().addFilter(counter);
                long ticksBefore = peerTicks(cluster);
                long quietMs = 10 * CHECK_MS;
                cluster.loop().runFor(quietMs);
                assertThat(counter.regionMessages.get())
                        .as(context + ": Raft messages of the idle region")
                        .isZero();
                assertThat(peerTicks(cluster) - ticksBefore)
                        .as(context + ": peer ticks while idle")
                        .isZero();
                int stores = cluster.storeIds().size();
                // Every store pings every other one once per interval: no more, whatever the regions.
                assertThat(counter.pings.get())
                        .as(context + ": liveness pings")
                        .isPositive()
                        .isLessThanOrEqualTo((long) stores * (stores - 1) * (quietMs / CHECK_MS + 1));

                long leader = cluster.leaderStore();
                CmdResult write =
                        commands.call(leader, commands.request(leader, SimCommands.put(KEY, "v2")), TIMEOUT_MS);
                assertThat(write).as(context + ": a write to the idle region").isNotNull();
                assertThat(write.isError()).as(context + ": %s", write).isFalse();
                CmdResult read = commands.call(leader, commands.request(leader, SimCommands.get(KEY)), TIMEOUT_MS);
                assertThat(read).isNotNull();
                assertThat(SimCommands.valueOf(read))
                        .as(context + ": the read after the write")
                        .isEqualTo("v2");
                assertThat(counter.regionMessages.get())
                        .as(context + ": the write woke the region")
                        .isPositive();
                assertThat(awaitAllIdle(cluster)).as(context + ": idle again").isTrue();
            }
        });
    }

    /**
     * A leader stops with no lease: the first read after it woke goes by ReadIndex. And it cannot
     * be answered at all by a leader cut off from its quorum while idle — by then the others have
     * elected a new leader and written — so no stale read comes out (the history stays linearizable).
     */
    @Test
    void aWokenLeaderReadsByReadIndexAndACutOffOneAnswersNoStaleRead() {
        forEachSeed((seed) -> {
            try (SimCluster cluster = started(seed)) {
                SimCommands commands = new SimCommands(cluster);
                String context = "seed " + seed;
                History history = new History();
                History.Op first = history.invokePut(0, KEY, "v1");
                commands.onLeader(SimCommands.put(KEY, "v1"), TIMEOUT_MS);
                history.succeed(first, null);
                assertThat(awaitAllIdle(cluster))
                        .as(context + ": every peer idle")
                        .isTrue();

                long leader = cluster.leaderStore();
                ReadStats before = readStats(cluster, leader);
                History.Op read = history.invokeGet(1, KEY);
                CmdResult answer = commands.call(leader, commands.request(leader, SimCommands.get(KEY)), TIMEOUT_MS);
                assertThat(answer).isNotNull();
                assertThat(answer.isError()).as(context + ": %s", answer).isFalse();
                history.succeed(read, SimCommands.valueOf(answer));
                ReadStats after = readStats(cluster, leader);
                assertThat(after.leaseReads())
                        .as(context + ": no lease read by the woken leader")
                        .isEqualTo(before.leaseReads());
                assertThat(after.readIndexReads())
                        .as(context + ": the woken leader read by ReadIndex")
                        .isEqualTo(before.readIndexReads() + 1);

                // Idle again; then the leader is cut off, silently, and the others go on without it.
                assertThat(awaitAllIdle(cluster)).as(context + ": idle again").isTrue();
                Set<Long> others = cluster.storesOtherThan(leader);
                cluster.network().addFilter(SimNetwork.partition(Set.of(leader), others));
                long cutAtMs = cluster.loop().nowMs();
                assertThat(cluster.loop().runUntil(() -> newLeaderAmong(cluster, others) != 0, LEADERLESS_BOUND_MS))
                        .as(context + ": a new leader among %s within %d ms", others, LEADERLESS_BOUND_MS)
                        .isTrue();
                System.out.printf(
                        "seed %d: a new leader %d ms after the idle leader was cut off (bound %d ms)%n",
                        seed, cluster.loop().nowMs() - cutAtMs, LEADERLESS_BOUND_MS);
                long newLeader = newLeaderAmong(cluster, others);
                History.Op put = history.invokePut(2, KEY, "v2");
                CmdResult written =
                        commands.call(newLeader, commands.request(newLeader, SimCommands.put(KEY, "v2")), TIMEOUT_MS);
                assertThat(written).isNotNull();
                assertThat(written.isError()).as(context + ": %s", written).isFalse();
                history.succeed(put, null);

                History.Op stale = history.invokeGet(3, KEY);
                CmdResult oldAnswer =
                        commands.call(leader, commands.request(leader, SimCommands.get(KEY)), ELECTION_MS);
                if (oldAnswer == null || oldAnswer.isError()) {
                    history.fail(stale);
                } else {
                    history.succeed(stale, SimCommands.valueOf(oldAnswer));
                }
                RegisterChecker.Result verdict = RegisterChecker.check(history.ops());
                assertThat(verdict.ok())
                        .as(
                                context + " (cut off at %d ms): %s; %s",
                                cutAtMs,
                                verdict.message(),
                                cluster.describeStores())
                        .isTrue();
                assertThat(oldAnswer == null || oldAnswer.isError())
                        .as(context + ": the cut-off leader answered a read: %s", oldAnswer)
                        .isTrue();
            }
        });
    }

    /**
     * SIGKILL of the idle region's leader: the others notice its store's silence and elect a new
     * leader within the bound; every acknowledged write survives.
     */
    @Test
    void anIdleRegionWhoseLeaderDiesElectsANewOneWithinTheBound() {
        forEachSeed((seed) -> {
            try (SimCluster cluster = started(seed)) {
                SimCommands commands = new SimCommands(cluster);
                String context = "seed " + seed;
                History history = new History();
                for (int i = 1; i <= 3; i++) {
                    History.Op put = history.invokePut(0, KEY, "v" + i);
                    commands.onLeader(SimCommands.put(KEY, "v" + i), TIMEOUT_MS);
                    history.succeed(put, null);
                }
                assertThat(awaitAllIdle(cluster))
                        .as(context + ": every peer idle")
                        .isTrue();
                // Anywhere within a ping interval: the bound must hold wherever the crash falls.
                cluster.loop().runFor(cluster.random().nextLong(CHECK_MS));

                long leader = cluster.leaderStore();
                Set<Long> others = cluster.storesOtherThan(leader);
                cluster.crash(leader);
                long crashedAtMs = cluster.loop().nowMs();
                assertThat(cluster.loop().runUntil(() -> newLeaderAmong(cluster, others) != 0, LEADERLESS_BOUND_MS))
                        .as(
                                context + ": a new leader within %d ms of the crash; %s",
                                LEADERLESS_BOUND_MS,
                                cluster.describeStores())
                        .isTrue();
                System.out.printf(
                        "seed %d: a new leader %d ms after the idle leader's crash (bound %d ms)%n",
                        seed, cluster.loop().nowMs() - crashedAtMs, LEADERLESS_BOUND_MS);

                long newLeader = newLeaderAmong(cluster, others);
                History.Op read = history.invokeGet(1, KEY);
                CmdResult answer =
                        commands.call(newLeader, commands.request(newLeader, SimCommands.get(KEY)), TIMEOUT_MS);
                assertThat(answer).isNotNull();
                assertThat(answer.isError()).as(context + ": %s", answer).isFalse();
                history.succeed(read, SimCommands.valueOf(answer));
                cluster.restart(leader);
                History.Op last = history.invokePut(0, KEY, "v4");
                commands.onLeader(SimCommands.put(KEY, "v4"), TIMEOUT_MS);
                history.succeed(last, null);
                assertThat(cluster.awaitConverged(TIMEOUT_MS))
                        .as(context + ": converged")
                        .isTrue();
                RegisterChecker.Result verdict = RegisterChecker.check(history.ops());
                assertThat(verdict.ok()).as(context + ": " + verdict.message()).isTrue();
                assertThat(SimCommands.valueOf(answer))
                        .as(context + ": the last acknowledged write")
                        .isEqualTo("v3");
            }
        });
    }

    /**
     * A client reaching an idle follower wakes it, and it wakes its leader, whose heartbeat comes
     * before the follower's election timeout: nobody campaigns, not even a pre-vote, and the region
     * goes idle again.
     */
    @Test
    void aFollowerWokenByAClientWakesItsLeaderAndNobodyCampaigns() {
        forEachSeed((seed) -> {
            try (SimCluster cluster = started(seed)) {
                SimCommands commands = new SimCommands(cluster);
                String context = "seed " + seed;
                commands.onLeader(SimCommands.put(KEY, "v1"), TIMEOUT_MS);
                assertThat(awaitAllIdle(cluster))
                        .as(context + ": every peer idle")
                        .isTrue();
                long leader = cluster.leaderStore();
                long term = cluster.store(leader)
                        .raftStore()
                        .regionStatus(SimCluster.REGION_ID)
                        .term();
                long follower = cluster.storesOtherThan(leader).iterator().next();
                AtomicLong campaigns = new AtomicLong();
                cluster.network().addFilter((from, to, m) -> {
                    var type = m.getMessage().getMsgType();
                    if (!m.hasExtra()
                            && (type == io.tinykv.proto.Eraftpb.MessageType.MsgRequestPreVote
                                    || type == io.tinykv.proto.Eraftpb.MessageType.MsgRequestVote)) {
                        campaigns.incrementAndGet();
                    }
                    return true;
                });

                CmdResult answer =
                        commands.call(follower, commands.request(follower, SimCommands.get(KEY)), TIMEOUT_MS);
                assertThat(answer).isNotNull();
                assertThat(answer.response().getHeader().getError().hasNotLeader())
                        .as(context + ": %s", answer)
                        .isTrue();
                cluster.loop().runFor(3 * ELECTION_MS);

                assertThat(campaigns.get())
                        .as(context + ": (pre-)vote requests after the follower woke")
                        .isZero();
                assertThat(cluster.leaderStore()).as(context).isEqualTo(leader);
                for (long id : cluster.storeIds()) {
                    assertThat(cluster.store(id)
                                    .raftStore()
                                    .regionStatus(SimCluster.REGION_ID)
                                    .term())
                            .as(context + ": the term on store %d", id)
                            .isEqualTo(term);
                }
                assertThat(awaitAllIdle(cluster)).as(context + ": idle again").isTrue();
            }
        });
    }

    /**
     * Every peer must agree, not a quorum: with a follower down the leader keeps ticking (it must
     * tell the scheduler the peer is down, and catch it up when it returns), and once the follower
     * is back the whole region goes idle.
     */
    @Test
    void aRegionWithADownFollowerStaysAwakeUntilItIsBack() {
        forEachSeed((seed) -> {
            try (SimCluster cluster = started(seed)) {
                SimCommands commands = new SimCommands(cluster);
                String context = "seed " + seed;
                commands.onLeader(SimCommands.put(KEY, "v1"), TIMEOUT_MS);
                long leader = cluster.leaderStore();
                long down = cluster.storesOtherThan(leader).iterator().next();
                cluster.crash(down);
                commands.onLeader(SimCommands.put(KEY, "v2"), TIMEOUT_MS);

                cluster.loop().runFor(10 * ELECTION_MS);
                assertThat(cluster.store(leader).raftStore().idleRegions())
                        .as(context + ": the leader with a follower down")
                        .isZero();

                cluster.restart(down);
                assertThat(awaitAllIdle(cluster))
                        .as(context + ": idle once the follower is back")
                        .isTrue();
                assertThat(cluster.store(down)
                                .raftStore()
                                .regionStatus(SimCluster.REGION_ID)
                                .appliedIndex())
                        .as(context + ": the returned follower caught up before the region went idle")
                        .isEqualTo(cluster.store(leader)
                                .raftStore()
                                .regionStatus(SimCluster.REGION_ID)
                                .lastIndex());
            }
        });
    }

    private static void forEachSeed(Consumer<Long> test) {
        for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
            test.accept(seed);
        }
    }

    private static SimCluster started(long seed) {
        SimCluster cluster = new SimCluster(seed % 2 == 0 ? 3 : 5, seed, CONFIG);
        cluster.staggerTicks();
        cluster.start();
        cluster.awaitLeader(TIMEOUT_MS);
        return cluster;
    }

    /** Runs until every store's peer of the region is idle. */
    private static boolean awaitAllIdle(SimCluster cluster) {
        return cluster.loop()
                .runUntil(
                        () -> cluster.storeIds().stream()
                                .allMatch(id -> !cluster.store(id).isUp()
                                        || cluster.store(id).raftStore().idleRegions() == 1),
                        TIMEOUT_MS);
    }

    private static long peerTicks(SimCluster cluster) {
        return cluster.storeIds().stream()
                .filter(id -> cluster.store(id).isUp())
                .mapToLong(id -> cluster.store(id).raftStore().stats().peerTicks())
                .sum();
    }

    /** The store among {@code stores} whose peer leads the region, or 0. */
    private static long newLeaderAmong(SimCluster cluster, Set<Long> stores) {
        for (long id : stores) {
            var status = cluster.store(id).raftStore().regionStatus(SimCluster.REGION_ID);
            if (status != null && status.leader()) {
                return id;
            }
        }
        return 0;
    }

    private static ReadStats readStats(SimCluster cluster, long storeId) {
        return cluster.store(storeId).raftStore().readStats(SimCluster.REGION_ID);
    }
}
