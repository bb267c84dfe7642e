package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The scheduler's operators, delivered in heartbeat responses, carried out by the region's leader. */
class OperatorSimTest {

    private static final long TIMEOUT_MS = 20_000;
    private static final long PLAN_TIMEOUT_MS = 60_000;
    private static final int REGION_HEARTBEAT_TICKS = 5;
    private static final double DROP_RATE = 0.1;
    private static final long GC_LIMIT = 20;
    private static final int CLIENTS = 3;
    /** Runs of virtual time in which nothing may change. */
    private static final long QUIET_MS = 2_000;

    /**
     * Leaders heartbeat at every check, changed or not: the {@link SimScheduler} plays TinyKV's test
     * scheduler, which sends an operator only in heartbeat responses (the real one also pushes it),
     * so a lost response is sent again only with the next heartbeat.
     */
    private static RaftstoreConfig config() {
        return RaftstoreConfig.defaults()
                .withTickIntervalMs(SimCluster.TICK_MS)
                .withRegionHeartbeatTicks(REGION_HEARTBEAT_TICKS)
                .withRaftLogGcCountLimit(GC_LIMIT)
                .withRegionHeartbeatIntervalMs(REGION_HEARTBEAT_TICKS * SimCluster.TICK_MS);
    }

    private static Metapb.Peer peer(long id, long storeId) {
        return Metapb.Peer.newBuilder().setId(id).setStoreId(storeId).build();
    }

    private static RaftStore.RegionStatus statusOn(SimCluster cluster, long storeId) {
        return cluster.store(storeId).raftStore().regionStatus(SimCluster.REGION_ID);
    }

    /** One seed by default; {@code -Dtinykv.sim.seeds=N} runs N seeds from {@code tinykv.sim.firstSeed}. */
    private static final long FIRST_SEED = Long.getLong("tinykv.sim.firstSeed", 41);

    private static final int SEEDS = Integer.getInteger("tinykv.sim.seeds", 1);

    @Test
    void anOperatorPlanUnderMessageLossCompletesAndTheHistoryStaysLinearizable() {
        for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
            runOperatorPlan(seed);
        }
    }

    private static void runOperatorPlan(long seed) {
        try (SimCluster cluster = new SimCluster(5, seed, config())) {
            SimScheduler scheduler = SimScheduler.attach(cluster, DROP_RATE);
            cluster.network()
                    .addFilter(SimNetwork.dropping(new Random(cluster.random().nextLong()), DROP_RATE));
            cluster.start();
            cluster.awaitLeader(TIMEOUT_MS);
            History history = new History();
            List<SimClient> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(new SimClient(
                        c,
                        cluster,
                        history,
                        List.of("k0", "k1", "k2"),
                        new Random(cluster.random().nextLong())));
            }
            clients.forEach(SimClient::start);

            List<SimScheduler.Operator> plan = List.of(
                    new SimScheduler.RemovePeer(peer(5, 5)),
                    new SimScheduler.RemovePeer(peer(4, 4)),
                    new SimScheduler.TransferLeader(peer(3, 3)),
                    new SimScheduler.AddPeer(peer(104, 4)),
                    new SimScheduler.RemovePeer(peer(1, 1)),
                    new SimScheduler.AddPeer(peer(105, 5)),
                    // Most likely the leader by now: it hands leadership over before it goes.
                    new SimScheduler.RemovePeer(peer(3, 3)),
                    new SimScheduler.TransferLeader(peer(104, 4)),
                    // Back onto the stores that hold tombstones of the region, with new peer ids.
                    new SimScheduler.AddPeer(peer(201, 1)),
                    new SimScheduler.RemovePeer(peer(2, 2)),
                    new SimScheduler.AddPeer(peer(203, 3)),
                    new SimScheduler.TransferLeader(peer(201, 1)),
                    new SimScheduler.RemovePeer(peer(104, 4)),
                    new SimScheduler.AddPeer(peer(202, 2)),
                    new SimScheduler.RemovePeer(peer(105, 5)),
                    new SimScheduler.TransferLeader(peer(203, 3)));
            scheduler.plan(plan);
            boolean done = cluster.loop().runUntil(scheduler::planDone, PLAN_TIMEOUT_MS);
            clients.forEach(SimClient::stop);
            cluster.network().clearFilters();
            cluster.loop().runFor(SimClient.REQUEST_TIMEOUT_MS);
            String context = "seed " + cluster.seed() + ": " + String.join("; ", cluster.describeStores());
            assertThat(done).as(context).isTrue();
            assertThat(scheduler.completed()).containsExactlyElementsOf(plan);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).as(context).isTrue();

            assertThat(cluster.region().getPeersList())
                    .containsExactlyInAnyOrder(peer(201, 1), peer(202, 2), peer(203, 3));
            assertThat(cluster.region().getRegionEpoch().getConfVer())
                    .as("twelve membership changes, each once")
                    .isEqualTo(1 + 12);
            RegisterChecker.Result linearizable = RegisterChecker.check(history.ops());
            assertThat(linearizable.ok())
                    .as(context + ": " + linearizable.message())
                    .isTrue();
            assertThat(history.succeeded(History.Kind.PUT)).isPositive();
            for (long storeId : List.of(1L, 3L)) {
                assertThat(cluster.dataOf(storeId)).as("store %d", storeId).isEqualTo(cluster.dataOf(2));
            }
            for (long storeId : List.of(4L, 5L)) {
                assertThat(statusOn(cluster, storeId))
                        .as("store %d destroyed its peer", storeId)
                        .isNull();
                assertThat(cluster.dataOf(storeId))
                        .as("store %d lost the region's data", storeId)
                        .isEmpty();
            }
            assertThat(scheduler.violations()).isEmpty();
            System.out.printf(
                    "operator plan seed %d: done at %d ms, %d puts, %d gets, %d responses (%d dropped), "
                            + "%d raft messages dropped%n",
                    cluster.seed(),
                    cluster.loop().nowMs(),
                    history.succeeded(History.Kind.PUT),
                    history.succeeded(History.Kind.GET),
                    scheduler.responsesSent(),
                    scheduler.responsesDropped(),
                    cluster.network().dropped());
        }
    }

    @Test
    void anOperatorForAnOlderEpochIsIgnoredAndTheSameOneForTheCurrentEpochIsDone() {
        try (SimCluster cluster = new SimCluster(3, 42, config())) {
            SimScheduler scheduler = SimScheduler.attach(cluster, 0);
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            Metapb.RegionEpoch old = cluster.region().getRegionEpoch();
            commands.changePeer(ConfChangeType.RemoveNode, peer(3, 3), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long leader = cluster.leaderStore();
            Metapb.Region before = cluster.region();
            long lastIndexBefore = statusOn(cluster, leader).lastIndex();

            long follower = before.getPeersList().stream()
                    .map(Metapb.Peer::getStoreId)
                    .filter(id -> id != leader)
                    .findFirst()
                    .orElseThrow();
            scheduler.send(
                    leader, SimScheduler.changePeer(SimCluster.REGION_ID, old, ConfChangeType.AddNode, peer(103, 3)));
            scheduler.send(
                    leader,
                    SimScheduler.changePeer(
                            SimCluster.REGION_ID, old, ConfChangeType.RemoveNode, peer(follower, follower)));
            scheduler.send(
                    leader,
                    new SimScheduler.TransferLeader(peer(follower, follower)).response(SimCluster.REGION_ID, old));
            cluster.loop().runFor(QUIET_MS);
            assertThat(cluster.leaderStore()).isEqualTo(leader);
            assertThat(cluster.region()).isEqualTo(before);
            assertThat(statusOn(cluster, leader).lastIndex())
                    .as("the log was not touched")
                    .isEqualTo(lastIndexBefore);

            scheduler.send(
                    leader,
                    SimScheduler.changePeer(
                            SimCluster.REGION_ID, before.getRegionEpoch(), ConfChangeType.AddNode, peer(103, 3)));
            assertThat(cluster.loop().runUntil(() -> cluster.region().getPeersCount() == 3, TIMEOUT_MS))
                    .isTrue();
            assertThat(cluster.region().getPeersList()).contains(peer(103, 3));
            assertThat(scheduler.violations()).isEmpty();
        }
    }

    @Test
    void duplicateOperatorsChangeTheRegionOnce() {
        try (SimCluster cluster = new SimCluster(3, 43, config())) {
            SimScheduler scheduler = SimScheduler.attach(cluster, 0);
            cluster.start();
            SimCommands commands = new SimCommands(cluster);
            commands.onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            commands.changePeer(ConfChangeType.RemoveNode, peer(3, 3), TIMEOUT_MS);
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            long leader = cluster.leaderStore();
            Metapb.Region before = cluster.region();
            var add = SimScheduler.changePeer(
                    SimCluster.REGION_ID, before.getRegionEpoch(), ConfChangeType.AddNode, peer(103, 3));
            for (int i = 0; i < 3; i++) {
                scheduler.send(leader, add);
            }
            assertThat(cluster.loop().runUntil(() -> cluster.region().getPeersCount() == 3, TIMEOUT_MS))
                    .isTrue();
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            Metapb.Region after = cluster.region();
            assertThat(after.getRegionEpoch().getConfVer())
                    .isEqualTo(before.getRegionEpoch().getConfVer() + 1);

            // Re-sent once more after it is done, with the new epoch, as a scheduler that has not
            // yet heard of it does: answered without touching the log.
            long lastIndex = statusOn(cluster, leader).lastIndex();
            scheduler.send(
                    leader,
                    SimScheduler.changePeer(
                            SimCluster.REGION_ID, after.getRegionEpoch(), ConfChangeType.AddNode, peer(103, 3)));
            scheduler.send(
                    leader,
                    SimScheduler.changePeer(
                            SimCluster.REGION_ID, after.getRegionEpoch(), ConfChangeType.RemoveNode, peer(77, 2)));
            cluster.loop().runFor(QUIET_MS);
            assertThat(cluster.region()).isEqualTo(after);
            assertThat(statusOn(cluster, leader).lastIndex()).isEqualTo(lastIndex);
            assertThat(cluster.dataOf(3)).isEqualTo(cluster.dataOf(leader));
            assertThat(scheduler.violations()).isEmpty();
        }
    }

    @Test
    void aLeaderAskedToRemoveItselfHandsLeadershipOverAndIsThenRemoved() {
        try (SimCluster cluster = new SimCluster(3, 44, config())) {
            SimScheduler scheduler = SimScheduler.attach(cluster, 0);
            cluster.start();
            new SimCommands(cluster).onLeader(SimCommands.put("k", "v"), TIMEOUT_MS);
            long leader = cluster.leaderStore();
            scheduler.plan(List.of(new SimScheduler.RemovePeer(peer(leader, leader))));
            assertThat(cluster.loop().runUntil(scheduler::planDone, TIMEOUT_MS)).isTrue();
            assertThat(cluster.region().getPeersList())
                    .doesNotContain(peer(leader, leader))
                    .hasSize(2);
            assertThat(cluster.leaderStore()).isNotEqualTo(leader).isNotZero();
            assertThat(cluster.loop().runUntil(() -> statusOn(cluster, leader) == null, TIMEOUT_MS))
                    .isTrue();
            assertThat(cluster.dataOf(leader)).isEmpty();
            new SimCommands(cluster).onLeader(SimCommands.put("k2", "v2"), TIMEOUT_MS);
            assertThat(scheduler.violations()).isEmpty();
        }
    }
}
