package io.tinykv.scheduler;

import static io.tinykv.scheduler.Fixtures.epoch;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A scheduler ({@link Coordinator} on a real {@link ClusterMeta}) and a cluster of stores that do at
 * once what the scheduler asks: every {@link #heartbeatAll} sends each region's heartbeat, and the
 * region's leader carries out the answer (a conf change bumps conf_ver; a new peer is caught up at
 * once unless {@link #lagging} says otherwise). Time is virtual ({@link #now}); nothing sleeps.
 * It also watches safety: {@link #fewestPeersSeen} is the fewest voters any region had once
 * it was full; and the scheduler must add replicas as learners and promote them (never a voter directly).
 */
final class ObedientCluster implements AutoCloseable {

    static final long START_MILLIS = 1_700_000_000_000L;
    static final Duration DISCONNECT = Duration.ofSeconds(20);
    static final Duration DOWN = Duration.ofMinutes(30);
    /** Region and peer ids the tests pick stay below the allocator's. */
    private static final int TEST_IDS = 10_000;

    long now = START_MILLIS;
    final MetaStore meta;
    final ClusterMeta cluster;
    final Coordinator coordinator;
    final SchedulerPauses pauses;
    final int maxReplicas;
    private final Map<Long, Metapb.Region> regions = new TreeMap<>();
    private final Map<Long, Metapb.Peer> leaders = new HashMap<>();
    private final Map<Long, Long> sizes = new HashMap<>();
    private final Set<Long> silentStores = new HashSet<>();
    /** Peer ids whose leader reports them pending (not caught up). */
    final Set<Long> lagging = new HashSet<>();
    /** Region ids whose leaders never carry out a leader transfer (the target is unreachable to them). */
    final Set<Long> ignoringTransfers = new HashSet<>();
    /** Every operator kind the scheduler created, in order. */
    final List<String> createdKinds = new ArrayList<>();

    private int fewestPeersSeen = Integer.MAX_VALUE;
    private final Set<Long> everFull = new HashSet<>();
    /** The most peer-moving operators seen in flight on one store after a scheduling round. */
    int mostPeerMovesOnOneStore;

    ObedientCluster(Path dir, int maxReplicas, ScheduleConfig schedule, int storeCount) {
        this.maxReplicas = maxReplicas;
        SchedulerConfig config = SchedulerConfig.defaults(dir.resolve("meta"))
                .withMaxReplicas(maxReplicas)
                .withStoreTimes(DISCONNECT, DOWN)
                .withSchedule(schedule);
        meta = MetaStore.open(config.dataDir());
        cluster = ClusterMeta.load(meta, now, new SplittableRandom(7), DISCONNECT.toMillis(), DOWN.toMillis());
        IdAllocator ids = new IdAllocator(meta.cell(MetaStore.ID_END), 100);
        for (int i = 0; i < TEST_IDS; i++) {
            ids.next();
        }
        pauses = new SchedulerPauses(() -> now);
        coordinator =
                new Coordinator(cluster, ids, config, new SchedulerMetrics(new PrometheusRegistry(), cluster), pauses);
        // Bootstrapped with a placeholder region that the tests' first region replaces.
        cluster.bootstrap(
                Fixtures.store(1),
                Fixtures.region(TEST_IDS - 1, "", "", epoch(1, 1), new long[] {TEST_IDS - 1}, new long[] {1}),
                now);
        for (long s = 2; s <= storeCount; s++) {
            cluster.putStore(Fixtures.store(s), now);
        }
    }

    /**
     * Adds {@code count} regions of {@code sizeBytes} each, with peers on {@code storeIds} and the
     * leader on {@code leaderStore}; the first one replaces the bootstrap region's whole key range.
     * Region i has id i+1 and peer ids (i+1)*10 + j.
     */
    void addRegions(int count, long sizeBytes, long leaderStore, long... storeIds) {
        int first = regions.size();
        for (int i = first; i < first + count; i++) {
            long id = i + 1;
            String start = i == 0 ? "" : String.format("k%04d", i);
            Metapb.Region.Builder b = Metapb.Region.newBuilder()
                    .setId(id)
                    .setStartKey(Fixtures.key(start))
                    .setEndKey(Fixtures.key(String.format("k%04d", i + 1)))
                    .setRegionEpoch(epoch(1, 2));
            Metapb.Peer leader = null;
            for (int j = 0; j < storeIds.length; j++) {
                Metapb.Peer p = Fixtures.peer(id * 10 + j, storeIds[j]);
                b.addPeers(p);
                if (storeIds[j] == leaderStore) {
                    leader = p;
                }
            }
            regions.put(id, b.build());
            noteIfFull(regions.get(id));
            leaders.put(id, leader);
            sizes.put(id, sizeBytes);
        }
    }

    /** Adds one region with the given peers (peer ids from {@code peerIds}) and leader. */
    void addRegion(long id, long sizeBytes, long[] peerIds, long[] storeIds, long leaderPeerId) {
        Metapb.Region.Builder b = Metapb.Region.newBuilder()
                .setId(id)
                .setStartKey(Fixtures.key(String.format("k%04d", id - 1)))
                .setEndKey(Fixtures.key(String.format("k%04d", id)))
                .setRegionEpoch(epoch(1, 2));
        if (id == 1) {
            b.setStartKey(Fixtures.key(""));
        }
        for (int j = 0; j < peerIds.length; j++) {
            b.addPeers(Fixtures.peer(peerIds[j], storeIds[j]));
        }
        Metapb.Region r = b.build();
        regions.put(id, r);
        noteIfFull(r);
        leaders.put(
                id,
                r.getPeersList().stream()
                        .filter(p -> p.getId() == leaderPeerId)
                        .findFirst()
                        .orElseThrow());
        sizes.put(id, sizeBytes);
    }

    /** The store stops heartbeating (it stays silent through later {@link #advance}s). */
    void silence(long storeId) {
        silentStores.add(storeId);
    }

    /** Time passes; every store not silenced heartbeats. */
    void advance(Duration d) {
        now += d.toMillis();
        for (StoreInfo s : cluster.stores()) {
            if (!silentStores.contains(s.id())) {
                cluster.storeHeartbeat(
                        Pdpb.StoreStats.newBuilder().setStoreId(s.id()).build(), now);
            }
        }
    }

    /** Every region's leader heartbeats and carries out the answer; returns how many answers came. */
    int heartbeatAll() {
        int answers = 0;
        for (long id : List.copyOf(regions.keySet())) {
            Optional<Pdpb.RegionHeartbeatResponse> r = heartbeat(id);
            if (r.isPresent()) {
                answers++;
                apply(id, r.get());
            }
        }
        return answers;
    }

    Optional<Pdpb.RegionHeartbeatResponse> heartbeat(long regionId) {
        Metapb.Region region = regions.get(regionId);
        List<Metapb.Peer> pending = region.getPeersList().stream()
                .filter(p -> lagging.contains(p.getId()))
                .toList();
        return coordinator.regionHeartbeat(
                Pdpb.RegionHeartbeatRequest.newBuilder()
                        .setRegion(region)
                        .setLeader(leaders.get(regionId))
                        .setApproximateSize(sizes.get(regionId))
                        .addAllPendingPeers(pending)
                        .build(),
                now);
    }

    /** What the leader of {@code regionId} does with the scheduler's answer. */
    void apply(long regionId, Pdpb.RegionHeartbeatResponse response) {
        Metapb.Region region = regions.get(regionId);
        if (response.hasChangePeer()) {
            Metapb.Peer peer = response.getChangePeer().getPeer();
            Metapb.Region.Builder b = region.toBuilder()
                    .setRegionEpoch(region.getRegionEpoch().toBuilder()
                            .setConfVer(region.getRegionEpoch().getConfVer() + 1));
            Eraftpb.ConfChangeType type = response.getChangePeer().getChangeType();
            boolean member = region.getPeersList().stream().anyMatch(p -> p.getId() == peer.getId());
            if (type == Eraftpb.ConfChangeType.AddLearnerNode) {
                if (member || peer.getRole() != Metapb.PeerRole.Learner) {
                    throw new AssertionError("a learner is added once, as a learner: " + response);
                }
                b.addPeers(peer);
            } else if (type == Eraftpb.ConfChangeType.AddNode) {
                // The scheduler adds replicas as learners: a voter is only ever a promoted learner.
                if (!member) {
                    throw new AssertionError("scheduler added voter " + peer + " directly: " + response);
                }
                b.clearPeers()
                        .addAllPeers(region.getPeersList().stream()
                                .map(p -> p.getId() == peer.getId()
                                        ? p.toBuilder()
                                                .setRole(Metapb.PeerRole.Voter)
                                                .build()
                                        : p)
                                .toList());
            } else {
                if (peer.getId() == leaders.get(regionId).getId()) {
                    throw new AssertionError("scheduler asked leader " + peer + " to remove itself: " + response);
                }
                b.clearPeers()
                        .addAllPeers(region.getPeersList().stream()
                                .filter(p -> p.getId() != peer.getId())
                                .toList());
            }
            region = b.build();
            regions.put(regionId, region);
            if (everFull.contains(regionId)) {
                fewestPeersSeen = Math.min(fewestPeersSeen, voters(region));
            }
            noteIfFull(region);
        }
        if (response.hasTransferLeader() && !ignoringTransfers.contains(regionId)) {
            Metapb.Peer target = response.getTransferLeader().getPeer();
            if (region.getPeersList().stream()
                    .noneMatch(p -> p.getId() == target.getId() && p.getRole() != Metapb.PeerRole.Learner)) {
                throw new AssertionError("leadership asked to move to a non-voter " + target);
            }
            leaders.put(regionId, target);
        }
    }

    /**
     * Scheduling rounds (one {@link Coordinator#schedule} and a heartbeat of every region, a second
     * apart) until a round neither creates nor carries out anything; returns the rounds it took.
     *
     * @throws AssertionError when the cluster does not settle within {@code maxRounds}
     */
    int settle(int maxRounds) {
        for (int round = 1; round <= maxRounds; round++) {
            advance(Duration.ofSeconds(1));
            List<Operator> created = coordinator.schedule(now);
            created.forEach(op -> createdKinds.add(op.kind()));
            notePeerMovesInFlight();
            int answers = heartbeatAll();
            if (created.isEmpty() && answers == 0) {
                return round;
            }
        }
        throw new AssertionError("not settled after " + maxRounds + " rounds: leaders " + leadersByStore() + ", peers "
                + peersByStore());
    }

    /** Records the most peer-moving operators in flight on one store (source, target or leader). */
    void notePeerMovesInFlight() {
        Map<Long, Integer> perStore = new HashMap<>();
        for (long id : regions.keySet()) {
            Optional<Operator> op = coordinator.operator(id);
            if (op.isPresent() && op.get().movesPeers()) {
                Set<Long> stores = new HashSet<>(op.get().stepStores());
                stores.add(leaders.get(id).getStoreId());
                stores.forEach(s -> perStore.merge(s, 1, Integer::sum));
            }
        }
        perStore.values().forEach(n -> mostPeerMovesOnOneStore = Math.max(mostPeerMovesOnOneStore, n));
    }

    Map<Long, Integer> leadersByStore() {
        Map<Long, Integer> counts = zeroPerStore();
        leaders.values().forEach(p -> counts.merge(p.getStoreId(), 1, Integer::sum));
        return counts;
    }

    Map<Long, Integer> peersByStore() {
        Map<Long, Integer> counts = zeroPerStore();
        regions.values().forEach(r -> r.getPeersList().forEach(p -> counts.merge(p.getStoreId(), 1, Integer::sum)));
        return counts;
    }

    /** Every region's current metadata, by id. */
    Map<Long, Metapb.Region> regions() {
        return Map.copyOf(regions);
    }

    Metapb.Region region(long id) {
        return regions.get(id);
    }

    Metapb.Peer leader(long regionId) {
        return leaders.get(regionId);
    }

    /** The smallest membership a region had after it was full (MAX_VALUE when no conf change happened). */
    int fewestPeersSeen() {
        return fewestPeersSeen;
    }

    private static int voters(Metapb.Region region) {
        return (int) region.getPeersList().stream()
                .filter(p -> p.getRole() != Metapb.PeerRole.Learner)
                .count();
    }

    private void noteIfFull(Metapb.Region region) {
        if (voters(region) >= maxReplicas) {
            everFull.add(region.getId());
        }
    }

    private Map<Long, Integer> zeroPerStore() {
        Map<Long, Integer> counts = new TreeMap<>();
        cluster.stores().forEach(s -> counts.put(s.id(), 0));
        return counts;
    }

    @Override
    public void close() {
        meta.close();
    }
}
