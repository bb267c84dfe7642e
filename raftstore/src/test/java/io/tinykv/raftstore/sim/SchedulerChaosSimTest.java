package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * TinyKV 3B's conf-change scenario with the scheduler in charge: a fake scheduler that learns the
 * region only from heartbeats hands out random add/remove/transfer operators (re-sent until done,
 * given up after a timeout) while clients work and the network drops messages, partitions and
 * crashes stores. Afterwards the history must be linearizable, the members must hold the same
 * data, and every store the region left must have dropped its replica and the data.
 *
 * <p>One seed by default; {@code -Dtinykv.sim.seeds=N} runs N from {@code tinykv.sim.firstSeed}.
 */
class SchedulerChaosSimTest {

    private static final long FIRST_SEED = Long.getLong("tinykv.sim.firstSeed", 61);
    private static final int SEEDS = Integer.getInteger("tinykv.sim.seeds", 1);

    private static final int STORES = 5;
    private static final int CLIENTS = 5;
    private static final int ITERATIONS = 3;
    private static final long ITERATION_MS = 1_000;
    private static final double DROP_RATE = 0.1;
    private static final long GC_LIMIT = 20;
    private static final int REGION_HEARTBEAT_TICKS = 5;
    /** The scheduler looks for something to do this often, when it has nothing pending. */
    private static final long PLANNER_PERIOD_MS = 50;

    private static final long OPERATOR_TIMEOUT_MS = 1_000;
    private static final long PARTITION_JITTER_MS = 200;
    private static final long MIN_CRASH_INTERVAL_MS = 200;
    private static final long MAX_CRASH_INTERVAL_MS = 400;
    private static final long MIN_DOWN_MS = 50;
    private static final long MAX_DOWN_MS = 300;
    private static final long TIMEOUT_MS = 20_000;
    private static final long FIRST_NEW_PEER_ID = 1000;

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

    @Test
    void randomOperatorsUnderPartitionsCrashesAndLossStayLinearizableAndLeaveNoStaleReplicas() {
        for (long seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
            run(seed);
        }
    }

    /** Mutable state of one run's fault injection: faults of an ended generation stop. */
    private static final class Chaos {
        int generation;
        boolean planning;
    }

    private static void run(long seed) {
        try (SimCluster cluster = new SimCluster(STORES, seed, config())) {
            SimScheduler scheduler = SimScheduler.attach(cluster, DROP_RATE);
            scheduler.operatorTimeoutMs(OPERATOR_TIMEOUT_MS);
            cluster.start();
            cluster.awaitLeader(TIMEOUT_MS);
            long electionMs = config().electionTicks() * SimCluster.TICK_MS;
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
            Chaos chaos = new Chaos();
            AtomicLong peerIds = new AtomicLong(FIRST_NEW_PEER_ID);
            Random random = new Random(cluster.random().nextLong());
            cluster.loop().every(PLANNER_PERIOD_MS, () -> {
                if (chaos.planning && scheduler.planDone() && scheduler.region() != null) {
                    scheduler.plan(List.of(randomOperator(cluster, scheduler, random, peerIds)));
                }
            });
            for (int iteration = 0; iteration < ITERATIONS; iteration++) {
                int generation = ++chaos.generation;
                chaos.planning = true;
                cluster.network().addFilter(SimNetwork.dropping(new Random(random.nextLong()), DROP_RATE));
                schedulePartition(cluster, chaos, generation, electionMs, random);
                scheduleCrash(cluster, chaos, generation, random);
                clients.forEach(SimClient::start);
                cluster.loop().runFor(ITERATION_MS);
                clients.forEach(SimClient::stop);
                chaos.generation++;
                cluster.network().clearFilters();
                cluster.loop().runFor(Math.max(SimClient.REQUEST_TIMEOUT_MS, MAX_DOWN_MS) + electionMs);
                cluster.awaitLeader(TIMEOUT_MS);
            }
            chaos.planning = false;
            cluster.loop().runUntil(scheduler::planDone, TIMEOUT_MS);
            clients.forEach(SimClient::start);
            cluster.loop().runFor(electionMs * 3);
            clients.forEach(SimClient::stop);
            cluster.loop().runFor(SimClient.REQUEST_TIMEOUT_MS);

            String context = "seed " + seed + ": " + String.join("; ", cluster.describeStores());
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).as(context).isTrue();
            RegisterChecker.Result linearizable = RegisterChecker.check(history.ops());
            assertThat(linearizable.ok())
                    .as(context + ": " + linearizable.message())
                    .isTrue();
            List<Long> members = cluster.memberStores();
            Map<String, String> reference = cluster.dataOf(members.get(0));
            for (long storeId : members) {
                assertThat(cluster.dataOf(storeId))
                        .as(context + ": store %d", storeId)
                        .isEqualTo(reference);
            }
            Set<Long> leftStores = new HashSet<>(cluster.storeIds());
            members.forEach(leftStores::remove);
            boolean collected = cluster.loop()
                    .runUntil(() -> leftStores.stream().allMatch(id -> holdsNoReplica(cluster, id)), TIMEOUT_MS);
            Map<Long, String> leftovers = new TreeMap<>();
            for (long storeId : leftStores) {
                RaftStore.RegionStatus status =
                        cluster.store(storeId).raftStore().regionStatus(SimCluster.REGION_ID);
                if (!holdsNoReplica(cluster, storeId)) {
                    leftovers.put(storeId, String.valueOf(status));
                }
            }
            assertThat(collected)
                    .as(context + ": replicas left on stores outside the region: " + leftovers)
                    .isTrue();
            assertThat(history.succeeded(History.Kind.PUT)).as(context).isPositive();
            assertThat(scheduler.violations()).as(context).isEmpty();
            long uninitializedLeftovers = leftStores.stream()
                    .filter(id -> cluster.store(id).raftStore().regionStatus(SimCluster.REGION_ID) != null)
                    .count();
            System.out.printf(
                    "scheduler chaos seed %d: %d operators done, %d abandoned, %d puts, %d gets, "
                            + "members %s, %d stale heartbeats ignored, %d uninitialized replicas left behind%n",
                    seed,
                    scheduler.completed().size(),
                    scheduler.abandoned().size(),
                    history.succeeded(History.Kind.PUT),
                    history.succeeded(History.Kind.GET),
                    members,
                    scheduler.staleHeartbeats(),
                    uninitializedLeftovers);
        }
    }

    /**
     * A store outside the region holds no replica: no peer, or an uninitialized one (created by
     * a leader's first message, removed before it got a snapshot: it has no data), and no data.
     */
    private static boolean holdsNoReplica(SimCluster cluster, long storeId) {
        RaftStore.RegionStatus status = cluster.store(storeId).raftStore().regionStatus(SimCluster.REGION_ID);
        return (status == null || status.region().getPeersCount() == 0)
                && cluster.dataOf(storeId).isEmpty();
    }

    /** What a simple scheduler might decide, seeing the region as its heartbeats say. */
    private static SimScheduler.Operator randomOperator(
            SimCluster cluster, SimScheduler scheduler, Random random, AtomicLong peerIds) {
        Metapb.Region region = scheduler.region();
        List<Metapb.Peer> members = region.getPeersList();
        List<Long> others = cluster.storeIds().stream()
                .filter(id -> members.stream().noneMatch(p -> p.getStoreId() == id))
                .toList();
        double roll = random.nextDouble();
        if (!others.isEmpty() && (members.size() < 3 || roll < 0.4)) {
            long store = others.get(random.nextInt(others.size()));
            return new SimScheduler.AddPeer(Metapb.Peer.newBuilder()
                    .setId(peerIds.getAndIncrement())
                    .setStoreId(store)
                    .build());
        }
        if (members.size() > 1 && roll < 0.75) {
            return new SimScheduler.RemovePeer(members.get(random.nextInt(members.size())));
        }
        List<Metapb.Peer> followers = members.stream()
                .filter(p -> p.getId() != scheduler.leader().getId())
                .toList();
        if (followers.isEmpty()) {
            return new SimScheduler.TransferLeader(scheduler.leader());
        }
        return new SimScheduler.TransferLeader(followers.get(random.nextInt(followers.size())));
    }

    private static void schedulePartition(
            SimCluster cluster, Chaos chaos, int generation, long electionMs, Random random) {
        cluster.loop().schedule(electionMs + random.nextInt((int) PARTITION_JITTER_MS), () -> {
            if (chaos.generation != generation) {
                return;
            }
            cluster.network().clearFilters();
            cluster.network().addFilter(SimNetwork.dropping(new Random(random.nextLong()), DROP_RATE));
            Set<Long> sideA = new HashSet<>();
            Set<Long> sideB = new HashSet<>();
            for (long storeId : cluster.storeIds()) {
                (random.nextBoolean() ? sideA : sideB).add(storeId);
            }
            cluster.network().addFilter(SimNetwork.partition(sideA, sideB));
            schedulePartition(cluster, chaos, generation, electionMs, random);
        });
    }

    private static void scheduleCrash(SimCluster cluster, Chaos chaos, int generation, Random random) {
        long delay = MIN_CRASH_INTERVAL_MS + random.nextLong(MAX_CRASH_INTERVAL_MS - MIN_CRASH_INTERVAL_MS);
        cluster.loop().schedule(delay, () -> {
            if (chaos.generation != generation) {
                return;
            }
            List<Long> ids = cluster.storeIds();
            long victim = ids.get(random.nextInt(ids.size()));
            if (cluster.store(victim).isUp()) {
                cluster.crash(victim);
                long down = MIN_DOWN_MS + random.nextLong(MAX_DOWN_MS - MIN_DOWN_MS);
                cluster.loop().schedule(down, () -> cluster.restart(victim));
            }
            scheduleCrash(cluster, chaos, generation, random);
        });
    }
}
