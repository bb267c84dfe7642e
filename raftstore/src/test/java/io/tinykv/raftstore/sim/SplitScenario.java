package io.tinykv.raftstore.sim;

import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.AdminRequest;
import io.tinykv.proto.RaftCmdpb.ChangePeerRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.TransferLeaderRequest;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.split.SplitCheckConfig;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Keys;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.SnapshotReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TinyKV's split scenarios (3B): clients write many keys into a cluster whose regions are tiny, so
 * the split checker cuts them again and again while the harness drops messages, partitions and
 * crashes stores, and (with {@code confChanges}) adds and removes peers of random regions. The
 * run is judged on the history (linearizable per key), on the regions (they split, and by the end
 * the split checker has caught up: no region holds more than region-max-keys keys; they cover the
 * key space without gaps or overlaps), and on the data (every member of a region holds the same
 * data in its range). How many regions that makes depends on how many keys the faults let the
 * clients write, so the regions are judged against the keys stored, not against a fixed count.
 *
 * @param gcCountLimit small: lagging peers catch up by snapshot (0: the default limit)
 */
public record SplitScenario(
        String name,
        int stores,
        int clients,
        boolean unreliable,
        boolean crash,
        boolean partitions,
        boolean confChanges,
        long gcCountLimit,
        int iterations,
        long iterationMs) {

    static final int KEYS = 120;
    static final int VALUE_BYTES = 40;
    /** Tiny regions: half a dozen keys each, split every check (50 ms of virtual time). */
    static final SplitCheckConfig SPLIT_CHECK =
            SplitCheckConfig.defaults().withSizes(512, 256).withKeys(6, 3).withSplitCheckTicks(5);

    static final long CONVERGE_TIMEOUT_MS = 30_000;
    static final long MAX_CONF_CHANGE_INTERVAL_MS = 200;
    static final long PARTITION_JITTER_MS = 200;
    static final long MIN_DOWN_MS = 50;
    static final long MAX_DOWN_MS = 300;
    static final long MIN_CRASH_INTERVAL_MS = 200;
    static final long MAX_CRASH_INTERVAL_MS = 400;

    public RaftstoreConfig raftConfig() {
        RaftstoreConfig config = SimCluster.defaultConfig().withSplitCheck(SPLIT_CHECK);
        return gcCountLimit == 0 ? config : config.withRaftLogGcCountLimit(gcCountLimit);
    }

    /** What one run did and found. */
    public record Outcome(
            long seed,
            RegisterChecker.Result linearizability,
            List<String> inconsistencies,
            int regions,
            int splitsReported,
            long splitsAsked,
            long putsAcknowledged,
            long epochNotMatch,
            long messagesDropped,
            boolean converged,
            long snapshotsDelivered,
            List<String> finalRegions,
            int keysStored,
            int mostKeysInARegion) {}

    public Outcome run(long seed) {
        try (SimCluster cluster = new SimCluster(stores, seed, raftConfig())) {
            SimScheduler scheduler = SimScheduler.attach(cluster, unreliable ? Scenario.UNRELIABLE_DROP_RATE : 0);
            cluster.start();
            long electionMs = raftConfig().electionTicks() * SimCluster.TICK_MS;
            cluster.awaitLeader(Scenario.LEADER_TIMEOUT_MS);
            History history = new History();
            List<String> keys = new ArrayList<>();
            for (int k = 0; k < KEYS; k++) {
                keys.add(String.format("k%04d", k));
            }
            List<SplitSimClient> clientList = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                clientList.add(new SplitSimClient(
                        c,
                        cluster,
                        history,
                        keys,
                        new java.util.Random(cluster.random().nextLong()),
                        VALUE_BYTES));
            }
            int[] generation = {0};
            AtomicLong peerIds = new AtomicLong(1_000_000);
            for (int iteration = 0; iteration < iterations; iteration++) {
                int mine = ++generation[0];
                installFaults(cluster, mine, generation, electionMs, peerIds);
                clientList.forEach(SplitSimClient::start);
                cluster.loop().runFor(iterationMs);
                clientList.forEach(SplitSimClient::stop);
                generation[0]++;
                cluster.network().clearFilters();
                cluster.loop().runFor(Math.max(SimClient.REQUEST_TIMEOUT_MS, MAX_DOWN_MS) + electionMs);
                if (crash) {
                    for (long storeId : cluster.storeIds()) {
                        cluster.crash(storeId);
                    }
                    for (long storeId : cluster.storeIds()) {
                        cluster.restart(storeId);
                    }
                }
            }
            clientList.forEach(SplitSimClient::start);
            cluster.loop().runFor(electionMs * 3);
            clientList.forEach(SplitSimClient::stop);
            cluster.loop().runFor(SimClient.REQUEST_TIMEOUT_MS);
            boolean converged = cluster.loop().runUntil(() -> converged(cluster), CONVERGE_TIMEOUT_MS);
            List<SplitRouting.Route> regions = SplitRouting.currentRegions(cluster);
            List<String> finalRegions = regions.stream()
                    .map(r -> r.region().getId() + "["
                            + r.region().getStartKey().toStringUtf8() + ","
                            + r.region().getEndKey().toStringUtf8() + ") v"
                            + r.region().getRegionEpoch().getVersion() + " leader " + r.leaderStore() + " keys "
                            + keysIn(cluster, r))
                    .toList();
            int keysStored = regions.stream().mapToInt(r -> keysIn(cluster, r)).sum();
            int mostKeys =
                    regions.stream().mapToInt(r -> keysIn(cluster, r)).max().orElse(0);
            return new Outcome(
                    seed,
                    RegisterChecker.check(history.ops()),
                    inconsistencies(cluster, regions),
                    regions.size(),
                    scheduler.reportedSplits().size(),
                    scheduler.splitsAsked(),
                    history.succeeded(History.Kind.PUT),
                    clientList.stream().mapToLong(SplitSimClient::epochNotMatch).sum(),
                    cluster.network().dropped(),
                    converged,
                    cluster.network().snapshotsDelivered(),
                    finalRegions,
                    keysStored,
                    mostKeys);
        }
    }

    /** The keys a region's leader holds in its range (0 for a region without a leader). */
    private static int keysIn(SimCluster cluster, SplitRouting.Route route) {
        return route.leaderStore() == 0
                ? 0
                : dataIn(cluster, route.leaderStore(), route.region()).size();
    }

    /** The fewest regions that can hold {@code keys} keys with none over region-max-keys. */
    public static int fewestRegionsFor(int keys) {
        return (int) Math.max(1, (keys + SPLIT_CHECK.regionMaxKeys() - 1) / SPLIT_CHECK.regionMaxKeys());
    }

    /**
     * Every region has a leader, holds no more than region-max-keys keys (the split checker caught
     * up), and each member applied up to the leader's last index.
     */
    private static boolean converged(SimCluster cluster) {
        List<SplitRouting.Route> regions = SplitRouting.currentRegions(cluster);
        if (!coversKeySpace(regions)) {
            return false;
        }
        for (SplitRouting.Route r : regions) {
            if (r.leaderStore() == 0 || keysIn(cluster, r) > SPLIT_CHECK.regionMaxKeys()) {
                return false;
            }
            long target = cluster.store(r.leaderStore())
                    .raftStore()
                    .regionStatus(r.region().getId())
                    .lastIndex();
            for (Metapb.Peer p : r.region().getPeersList()) {
                var status = cluster.store(p.getStoreId())
                        .raftStore()
                        .regionStatus(r.region().getId());
                if (status == null
                        || status.appliedIndex() != target
                        || !status.region().getRegionEpoch().equals(r.region().getRegionEpoch())) {
                    return false;
                }
            }
        }
        return true;
    }

    static boolean coversKeySpace(List<SplitRouting.Route> regions) {
        if (regions.isEmpty() || !regions.get(0).region().getStartKey().isEmpty()) {
            return false;
        }
        for (int i = 1; i < regions.size(); i++) {
            if (!regions.get(i - 1)
                    .region()
                    .getEndKey()
                    .equals(regions.get(i).region().getStartKey())) {
                return false;
            }
        }
        return regions.get(regions.size() - 1).region().getEndKey().isEmpty();
    }

    /** Regions whose members disagree on the data in their range, or a key space not covered. */
    private static List<String> inconsistencies(SimCluster cluster, List<SplitRouting.Route> regions) {
        List<String> problems = new ArrayList<>();
        if (!coversKeySpace(regions)) {
            problems.add("the regions do not cover the key space exactly: " + regions);
        }
        for (SplitRouting.Route r : regions) {
            Map<Long, Map<String, String>> byStore = new TreeMap<>();
            for (Metapb.Peer p : r.region().getPeersList()) {
                byStore.put(p.getStoreId(), dataIn(cluster, p.getStoreId(), r.region()));
            }
            if (new HashSet<>(byStore.values()).size() > 1) {
                problems.add("region " + r.region().getId() + ": members disagree: " + byStore.keySet());
            }
        }
        return problems;
    }

    private static Map<String, String> dataIn(SimCluster cluster, long storeId, Metapb.Region region) {
        HexFormat hex = HexFormat.of();
        Map<String, String> data = new TreeMap<>();
        var engines = cluster.store(storeId).raftStore().engines();
        try (SnapshotReader reader = engines.kv().snapshot();
                KvIterator it = reader.iterator(
                        Cf.DEFAULT,
                        Keys.dataKey(region.getStartKey().toByteArray()),
                        Keys.dataEndKey(region.getEndKey().toByteArray()))) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                data.put(hex.formatHex(it.key()), hex.formatHex(it.value()));
            }
        }
        return data;
    }

    private void installFaults(SimCluster cluster, int generation, int[] current, long electionMs, AtomicLong peerIds) {
        cluster.network().clearFilters();
        if (unreliable) {
            cluster.network()
                    .addFilter(SimNetwork.dropping(
                            new java.util.Random(cluster.random().nextLong()), Scenario.UNRELIABLE_DROP_RATE));
        }
        if (partitions) {
            schedulePartition(cluster, generation, current, electionMs);
        }
        if (crash) {
            scheduleCrash(cluster, generation, current);
        }
        if (confChanges) {
            scheduleConfChange(cluster, generation, current, peerIds);
        }
    }

    private void schedulePartition(SimCluster cluster, int generation, int[] current, long electionMs) {
        cluster.loop().schedule(electionMs + cluster.random().nextInt((int) PARTITION_JITTER_MS), () -> {
            if (current[0] != generation) {
                return;
            }
            cluster.network().clearFilters();
            if (unreliable) {
                cluster.network()
                        .addFilter(SimNetwork.dropping(
                                new java.util.Random(cluster.random().nextLong()), Scenario.UNRELIABLE_DROP_RATE));
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
                cluster.loop().schedule(down, () -> cluster.restart(victim));
            }
            scheduleCrash(cluster, generation, current);
        });
    }

    private void scheduleConfChange(SimCluster cluster, int generation, int[] current, AtomicLong peerIds) {
        cluster.loop().schedule(cluster.random().nextLong(MAX_CONF_CHANGE_INTERVAL_MS + 1), () -> {
            if (current[0] != generation) {
                return;
            }
            List<SplitRouting.Route> led = SplitRouting.currentRegions(cluster).stream()
                    .filter(r -> r.leaderStore() != 0)
                    .toList();
            if (!led.isEmpty()) {
                proposeRandomConfChange(cluster, led.get(cluster.random().nextInt(led.size())), peerIds);
            }
            scheduleConfChange(cluster, generation, current, peerIds);
        });
    }

    /** As the scheduler: add a peer on a store without one, or remove one (moving leadership off it first). */
    private static void proposeRandomConfChange(SimCluster cluster, SplitRouting.Route route, AtomicLong peerIds) {
        Metapb.Region region = route.region();
        long leader = route.leaderStore();
        List<Long> members =
                region.getPeersList().stream().map(Metapb.Peer::getStoreId).toList();
        List<Long> others =
                cluster.storeIds().stream().filter(id -> !members.contains(id)).toList();
        Metapb.Peer leaderPeer = region.getPeersList().stream()
                .filter(p -> p.getStoreId() == leader)
                .findFirst()
                .orElseThrow();
        RaftCmdRequest.Builder request = RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(region.getId())
                        .setPeer(leaderPeer)
                        .setRegionEpoch(region.getRegionEpoch()));
        boolean remove =
                others.isEmpty() || (members.size() > 1 && cluster.random().nextBoolean());
        if (remove) {
            if (members.size() <= 1) {
                return;
            }
            Metapb.Peer victim = region.getPeers(cluster.random().nextInt(region.getPeersCount()));
            if (victim.getStoreId() == leader) {
                Metapb.Peer target = region.getPeersList().stream()
                        .filter(p -> p.getStoreId() != leader)
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
                                .setPeer(victim)));
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
        cluster.store(leader).raftStore().propose(request.build(), new Callback(result -> {}));
    }
}
