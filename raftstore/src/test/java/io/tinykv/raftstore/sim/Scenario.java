package io.tinykv.raftstore.sim;

import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.AdminRequest;
import io.tinykv.proto.RaftCmdpb.ChangePeerRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.TransferLeaderRequest;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.RaftstoreConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TinyKV's generic raftstore scenario (2B): clients work on a 5-store cluster for a few
 * iterations while the harness drops messages, partitions the stores, and crashes and restarts
 * them; afterwards the network heals and the run is judged: the history must be linearizable and
 * every store must hold the same data.
 *
 * <p>Built by name ({@link #named}); what is not set is TinyKV's: five stores, one client, three
 * iterations of a second, no faults, the default log GC limit.
 *
 * @param faults what the harness does to the cluster during the iterations
 * @param gcCountLimit the log GC limit ({@link #NO_GC}: the default, never reached here); a small
 *     one makes lagging or restarted stores catch up by snapshot
 */
public record Scenario(
        String name, int stores, int clients, Set<Fault> faults, long gcCountLimit, int iterations, long iterationMs) {

    /** A fault the harness injects. */
    public enum Fault {
        /** Messages are dropped at {@link #UNRELIABLE_DROP_RATE}. */
        UNRELIABLE,
        /** At the end of each iteration every store crashes and restarts from its disk. */
        CRASH,
        /** Every election timeout or so the stores are split randomly into two sides. */
        PARTITIONS,
        /** During each iteration, random stores crash and restart at random moments. */
        RANDOM_CRASHES,
        /**
         * The harness, as the scheduler, adds and removes random peers all along (leaving at least
         * one), moving leadership off a peer before removing it.
         */
        CONF_CHANGES,
        /**
         * A crash also loses the kv engine's writes since its last sync ({@link
         * SimCluster#loseUnsyncedKvWritesOnCrash}).
         */
        LOSE_UNSYNCED_WRITES
    }

    public Scenario {
        faults = Set.copyOf(faults);
    }

    /** A scenario called {@code name}, with TinyKV's settings until told otherwise. */
    public static Builder named(String name) {
        return new Builder(name);
    }

    /** Whether the harness injects {@code fault}. */
    public boolean has(Fault fault) {
        return faults.contains(fault);
    }

    /** The settings of a {@link Scenario} by name. */
    public static final class Builder {

        private final String name;
        private int stores = 5;
        private int clients = 1;
        private Set<Fault> faults = Set.of();
        private long gcCountLimit = NO_GC;
        private int iterations = 3;
        private long iterationMs = 1_000;

        private Builder(String name) {
            this.name = name;
        }

        public Builder stores(int value) {
            stores = value;
            return this;
        }

        public Builder clients(int value) {
            clients = value;
            return this;
        }

        public Builder faults(Fault... value) {
            faults = Set.of(value);
            return this;
        }

        public Builder gcCountLimit(long value) {
            gcCountLimit = value;
            return this;
        }

        public Builder iterations(int count, long eachMs) {
            iterations = count;
            iterationMs = eachMs;
            return this;
        }

        public Scenario build() {
            return new Scenario(name, stores, clients, faults, gcCountLimit, iterations, iterationMs);
        }
    }

    /** Conf changes: one every 0 to this many ms (TinyKV: 200 ms). */
    static final long MAX_CONF_CHANGE_INTERVAL_MS = 200;
    /** Peer ids the harness allocates for added peers start here (the bootstrap peers are 1..n). */
    static final long FIRST_NEW_PEER_ID = 1000;

    /** For {@code gcCountLimit}: the default limit, which these short runs never reach. */
    public static final long NO_GC = 0;

    /** Random crashes: a random store crashes every so often and restarts a little later. */
    static final long MIN_CRASH_INTERVAL_MS = 200;

    static final long MAX_CRASH_INTERVAL_MS = 400;
    static final long MIN_DOWN_MS = 50;
    static final long MAX_DOWN_MS = 300;

    public static final double UNRELIABLE_DROP_RATE = 0.1;
    public static final int KEYS = 3;
    static final long CONVERGE_TIMEOUT_MS = 20_000;
    static final long LEADER_TIMEOUT_MS = 10_000;
    /** Partitions change every election timeout plus up to this much (TinyKV: 200 ms). */
    static final long PARTITION_JITTER_MS = 200;

    public RaftstoreConfig raftConfig() {
        RaftstoreConfig defaults = SimCluster.defaultConfig();
        return gcCountLimit == NO_GC ? defaults : defaults.withRaftLogGcCountLimit(gcCountLimit);
    }

    /** What one run did and found. */
    public record Outcome(
            long seed,
            RegisterChecker.Result linearizability,
            Map<Long, Map<String, String>> dataByStore,
            long putsAcknowledged,
            long getsAnswered,
            long messagesDropped,
            List<String> finalState,
            boolean converged,
            Map<Long, Long> logLengthByStore,
            long snapshotsDelivered) {}

    public Outcome run(long seed) {
        try (SimCluster cluster = new SimCluster(stores, seed, raftConfig())) {
            if (has(Fault.LOSE_UNSYNCED_WRITES)) {
                cluster.loseUnsyncedKvWritesOnCrash();
            }
            cluster.start();
            long electionMs = raftConfig().electionTicks() * SimCluster.TICK_MS;
            cluster.awaitLeader(LEADER_TIMEOUT_MS);
            History history = new History();
            List<String> keys = new ArrayList<>();
            for (int k = 0; k < KEYS; k++) {
                keys.add("k" + k);
            }
            List<SimClient> clientList = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                clientList.add(new SimClient(
                        c,
                        cluster,
                        history,
                        keys,
                        new java.util.Random(cluster.random().nextLong())));
            }
            int[] faultGeneration = {0};
            // Peer ids are never reused, as the scheduler's id allocator guarantees.
            AtomicLong peerIds = new AtomicLong(FIRST_NEW_PEER_ID);
            for (int iteration = 0; iteration < iterations; iteration++) {
                int generation = ++faultGeneration[0];
                installFaults(cluster, generation, faultGeneration, electionMs, peerIds);
                clientList.forEach(SimClient::start);
                cluster.loop().runFor(iterationMs);
                clientList.forEach(SimClient::stop);
                faultGeneration[0]++; // stops the partition changes
                cluster.network().clearFilters();
                cluster.loop().runFor(Math.max(SimClient.REQUEST_TIMEOUT_MS, MAX_DOWN_MS) + electionMs);
                if (has(Fault.CRASH)) {
                    for (long storeId : cluster.storeIds()) {
                        cluster.crash(storeId);
                    }
                    for (long storeId : cluster.storeIds()) {
                        cluster.restart(storeId);
                    }
                }
                cluster.awaitLeader(LEADER_TIMEOUT_MS);
            }
            // A last fault-free round, so that the final reads see the final state.
            clientList.forEach(SimClient::start);
            cluster.loop().runFor(electionMs * 3);
            clientList.forEach(SimClient::stop);
            cluster.loop().runFor(SimClient.REQUEST_TIMEOUT_MS);
            boolean converged = cluster.awaitConverged(CONVERGE_TIMEOUT_MS);
            Map<Long, Map<String, String>> data = new java.util.TreeMap<>();
            Map<Long, Long> logLength = new java.util.TreeMap<>();
            for (long storeId : cluster.memberStores()) {
                data.put(storeId, cluster.dataOf(storeId));
                var status = cluster.store(storeId).raftStore().regionStatus(SimCluster.REGION_ID);
                // A member without a peer yet (never contacted) has no log: converged is false then.
                logLength.put(storeId, status == null ? 0 : status.appliedIndex() - status.truncatedIndex());
            }
            return new Outcome(
                    seed,
                    RegisterChecker.check(history.ops()),
                    data,
                    history.succeeded(History.Kind.PUT),
                    history.succeeded(History.Kind.GET),
                    cluster.network().dropped(),
                    cluster.describeStores(),
                    converged,
                    logLength,
                    cluster.network().snapshotsDelivered());
        }
    }

    private void installFaults(SimCluster cluster, int generation, int[] current, long electionMs, AtomicLong peerIds) {
        cluster.network().clearFilters();
        if (has(Fault.UNRELIABLE)) {
            cluster.network()
                    .addFilter(SimNetwork.dropping(
                            new java.util.Random(cluster.random().nextLong()), UNRELIABLE_DROP_RATE));
        }
        if (has(Fault.PARTITIONS)) {
            schedulePartition(cluster, generation, current, electionMs);
        }
        if (has(Fault.RANDOM_CRASHES)) {
            scheduleCrash(cluster, generation, current);
        }
        if (has(Fault.CONF_CHANGES)) {
            scheduleConfChange(cluster, generation, current, peerIds);
        }
    }

    private void scheduleConfChange(SimCluster cluster, int generation, int[] current, AtomicLong peerIds) {
        cluster.loop().schedule(cluster.random().nextLong(MAX_CONF_CHANGE_INTERVAL_MS + 1), () -> {
            if (current[0] != generation) {
                return;
            }
            long leader = cluster.leaderStore();
            if (leader != 0) {
                proposeRandomConfChange(cluster, leader, peerIds);
            }
            scheduleConfChange(cluster, generation, current, peerIds);
        });
    }

    private void proposeRandomConfChange(SimCluster cluster, long leader, AtomicLong peerIds) {
        Metapb.Region region = cluster.region();
        List<Long> members = cluster.memberStores();
        List<Long> others =
                cluster.storeIds().stream().filter(id -> !members.contains(id)).toList();
        RaftCmdRequest.Builder request = RaftCmdRequest.newBuilder().setHeader(new SimCommands(cluster).header(leader));
        boolean remove =
                others.isEmpty() || (members.size() > 1 && cluster.random().nextBoolean());
        if (remove) {
            if (members.size() <= 1) {
                return;
            }
            long victim = members.get(cluster.random().nextInt(members.size()));
            Metapb.Peer victimPeer = region.getPeersList().stream()
                    .filter(p -> p.getStoreId() == victim)
                    .findFirst()
                    .orElseThrow();
            if (victim == leader) {
                long other =
                        members.stream().filter(id -> id != leader).findFirst().orElseThrow();
                Metapb.Peer target = region.getPeersList().stream()
                        .filter(p -> p.getStoreId() == other)
                        .findFirst()
                        .orElseThrow();
                request.setAdminRequest(AdminRequest.newBuilder()
                        .setCmdType(AdminCmdType.TransferLeader)
                        .setTransferLeader(TransferLeaderRequest.newBuilder().setPeer(target)));
            } else {
                request.setAdminRequest(AdminRequest.newBuilder()
                        .setCmdType(AdminCmdType.ChangePeer)
                        .setChangePeer(ChangePeerRequest.newBuilder()
                                .setChangeType(ConfChangeType.RemoveNode)
                                .setPeer(victimPeer)));
            }
        } else {
            long store = others.get(cluster.random().nextInt(others.size()));
            Metapb.Peer added = Metapb.Peer.newBuilder()
                    .setId(peerIds.getAndIncrement())
                    .setStoreId(store)
                    .build();
            request.setAdminRequest(AdminRequest.newBuilder()
                    .setCmdType(AdminCmdType.ChangePeer)
                    .setChangePeer(ChangePeerRequest.newBuilder()
                            .setChangeType(ConfChangeType.AddNode)
                            .setPeer(added)));
        }
        // The harness does not wait: like a scheduler it re-decides from the region it sees next time.
        cluster.store(leader).raftStore().propose(request.build(), new Callback(result -> {}));
    }

    private void scheduleCrash(SimCluster cluster, int generation, int[] current) {
        long delay = MIN_CRASH_INTERVAL_MS + cluster.random().nextLong(MAX_CRASH_INTERVAL_MS - MIN_CRASH_INTERVAL_MS);
        cluster.loop().schedule(delay, () -> {
            if (current[0] != generation) {
                return;
            }
            List<Long> ids = cluster.storeIds();
            long victim = ids.get(cluster.random().nextInt(ids.size()));
            if (cluster.store(victim).isUp()) {
                cluster.crash(victim);
                long down = MIN_DOWN_MS + cluster.random().nextLong(MAX_DOWN_MS - MIN_DOWN_MS);
                // Restarted even if the iteration ended meanwhile: every store is up at the end.
                cluster.loop().schedule(down, () -> cluster.restart(victim));
            }
            scheduleCrash(cluster, generation, current);
        });
    }

    private void schedulePartition(SimCluster cluster, int generation, int[] current, long electionMs) {
        cluster.loop().schedule(electionMs + cluster.random().nextInt((int) PARTITION_JITTER_MS), () -> {
            if (current[0] != generation) {
                return;
            }
            cluster.network().clearFilters();
            if (has(Fault.UNRELIABLE)) {
                cluster.network()
                        .addFilter(SimNetwork.dropping(
                                new java.util.Random(cluster.random().nextLong()), UNRELIABLE_DROP_RATE));
            }
            Set<Long> sideA = new HashSet<>();
            Set<Long> sideB = new HashSet<>();
            for (long storeId : cluster.storeIds()) {
                (cluster.random().nextBoolean() ? sideA : sideB).add(storeId);
            }
            cluster.network().addFilter(SimNetwork.partition(sideA, sideB));
            schedulePartition(cluster, generation, current, electionMs);
        });
    }
}
