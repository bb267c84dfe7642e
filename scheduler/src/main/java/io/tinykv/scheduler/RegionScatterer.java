package io.tinykv.scheduler;

import io.tinykv.proto.Metapb;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Places a region's replicas and leader so that regions scattered close together in time (the
 * pieces of one split, a client's {@code splitRegionAndScatter}) spread evenly over the stores,
 * instead of all staying where the split left them.
 *
 * <p>The algorithm: it remembers, for the last {@code memoryMillis}, how many scattered replicas
 * and leaders it placed on each store. For a region it takes the {@code maxReplicas} stores with
 * the fewest remembered replicas, breaking ties by keeping the stores that already hold a replica
 * (fewer moves), then by fewest regions, then by id; the leader goes to the chosen up store with
 * the fewest remembered leaders, ties to the current leader's store. So k regions scattered on
 * N stores put ⌈k·R/N⌉ or ⌊k·R/N⌋ replicas on every store, and likewise leaders.
 *
 * <p>The operator reaching that placement adds a peer (a learner, promoted once caught up) before
 * each removal (the region never has fewer than its full count of voters), then hands leadership
 * over. A region with a learner is left to the replica checker. Not thread-safe: the
 * {@link Coordinator} calls it under its lock.
 */
final class RegionScatterer {

    static final String KIND = "scatter_region";

    private record Placement(long atMillis, List<Long> peerStores, long leaderStore) {}

    private final ClusterMeta cluster;
    private final ReplicaChecker health;
    private final int maxReplicas;
    private final LongSupplier newPeerId;
    private final long memoryMillis;
    private final Deque<Placement> recent = new ArrayDeque<>();
    private final Map<Long, Integer> recentPeers = new HashMap<>();
    private final Map<Long, Integer> recentLeaders = new HashMap<>();

    RegionScatterer(
            ClusterMeta cluster, ReplicaChecker health, int maxReplicas, LongSupplier newPeerId, long memoryMillis) {
        this.cluster = cluster;
        this.health = health;
        this.maxReplicas = maxReplicas;
        this.newPeerId = newPeerId;
        this.memoryMillis = memoryMillis;
    }

    /**
     * Chooses {@code region}'s placement and remembers it; returns the operator that gets it there,
     * empty when the region is already placed so, or when too few stores can take a replica (then
     * nothing is remembered either: the replica checker repairs first).
     */
    Optional<Operator> scatter(RegionInfo region, long nowMillis) {
        return scatter(region, nowMillis, op -> true);
    }

    /**
     * As {@link #scatter(RegionInfo, long)}, but when {@code allowed} refuses the operator that moves
     * replicas (its stores are busy), only the leader is scattered, among the current replicas.
     */
    Optional<Operator> scatter(RegionInfo region, long nowMillis, Predicate<Operator> allowed) {
        forgetBefore(nowMillis - memoryMillis);
        Optional<Placement> full = place(region, nowMillis, false);
        if (full.isEmpty()) {
            return Optional.empty();
        }
        Optional<Operator> op =
                operatorFor(region, full.get().peerStores(), full.get().leaderStore(), nowMillis);
        Placement used = full.get();
        if (op.isPresent() && !allowed.test(op.get())) {
            Optional<Placement> leaderOnly = place(region, nowMillis, true);
            if (leaderOnly.isEmpty()) {
                return Optional.empty();
            }
            used = leaderOnly.get();
            op = operatorFor(region, used.peerStores(), used.leaderStore(), nowMillis);
        }
        remember(used);
        return op;
    }

    /** The placement for {@code region}; {@code keepReplicas} limits the choice to its current stores. */
    private Optional<Placement> place(RegionInfo region, long nowMillis, boolean keepReplicas) {
        if (region.leader() == null || !region.learners().isEmpty()) {
            // A learner is the replica checker's to promote or remove before the region is placed.
            return Optional.empty();
        }
        Map<Long, StoreStatus> statuses = new HashMap<>();
        Map<Long, StoreInfo> stores = new HashMap<>();
        for (StoreInfo s : cluster.stores()) {
            statuses.put(s.id(), cluster.storeStatus(s, nowMillis));
            stores.put(s.id(), s);
        }
        Set<Long> holders = region.region().getPeersList().stream()
                .filter(p -> health.isHealthy(region, p, nowMillis))
                .map(Metapb.Peer::getStoreId)
                .collect(Collectors.toSet());
        Map<Long, Integer> regionCounts = cluster.regionCountsByStore();
        List<Long> candidates = new ArrayList<>();
        for (StoreInfo s : stores.values()) {
            boolean accepts = !keepReplicas && statuses.get(s.id()).acceptsPeers() && !s.lowOnSpace();
            if (accepts || holders.contains(s.id())) {
                candidates.add(s.id());
            }
        }
        if (candidates.size() < maxReplicas) {
            return Optional.empty();
        }
        candidates.sort(Comparator.<Long>comparingInt(s -> recentPeers.getOrDefault(s, 0))
                .thenComparingInt(s -> holders.contains(s) ? 0 : 1)
                .thenComparingInt(s -> regionCounts.getOrDefault(s, 0))
                .thenComparingLong(Long::longValue));
        List<Long> chosen = List.copyOf(candidates.subList(0, maxReplicas));

        long currentLeaderStore = region.leader().getStoreId();
        Map<Long, Integer> leaderCounts = leaderCountsByStore();
        Optional<Long> leaderStore = chosen.stream()
                .filter(s -> statuses.get(s) == StoreStatus.UP)
                .min(Comparator.<Long>comparingInt(s -> recentLeaders.getOrDefault(s, 0))
                        .thenComparingInt(s -> s == currentLeaderStore ? 0 : 1)
                        .thenComparingInt(s -> leaderCounts.getOrDefault(s, 0))
                        .thenComparingLong(Long::longValue));
        return Optional.of(new Placement(nowMillis, chosen, leaderStore.orElse(currentLeaderStore)));
    }

    private Optional<Operator> operatorFor(RegionInfo region, List<Long> chosen, long leaderStore, long nowMillis) {
        List<Metapb.Peer> adds = new ArrayList<>();
        for (long store : chosen) {
            if (region.peerOnStore(store).isEmpty()) {
                adds.add(Metapb.Peer.newBuilder()
                        .setId(newPeerId.getAsLong())
                        .setStoreId(store)
                        .build());
            }
        }
        // Followers go before the leader: removing the leader first moves leadership (Coordinator).
        List<Metapb.Peer> removes = region.region().getPeersList().stream()
                .filter(p -> !chosen.contains(p.getStoreId()))
                .sorted(Comparator.comparingInt(
                                (Metapb.Peer p) -> p.getId() == region.leader().getId() ? 1 : 0)
                        .thenComparingLong(Metapb.Peer::getId))
                .toList();
        List<OperatorStep> steps = new ArrayList<>();
        for (int i = 0; i < Math.max(adds.size(), removes.size()); i++) {
            if (i < adds.size()) {
                steps.addAll(OperatorStep.addVoter(adds.get(i)));
            }
            if (i < removes.size()) {
                steps.add(new OperatorStep.RemovePeer(removes.get(i)));
            }
        }
        Metapb.Peer newLeader = region.peerOnStore(leaderStore)
                .orElseGet(() -> adds.stream()
                        .filter(p -> p.getStoreId() == leaderStore)
                        .findFirst()
                        .orElseThrow());
        if (newLeader.getId() != region.leader().getId()) {
            steps.add(new OperatorStep.TransferLeader(newLeader));
        }
        if (steps.isEmpty()) {
            return Optional.empty();
        }
        String reason = "scatter: replicas to stores " + chosen + ", leader to store " + leaderStore;
        return Optional.of(new Operator(region.id(), KIND, steps, 0, region.epoch(), reason, nowMillis));
    }

    private Map<Long, Integer> leaderCountsByStore() {
        Map<Long, Integer> counts = new HashMap<>();
        for (RegionInfo r : cluster.regions()) {
            if (r.leader() != null) {
                counts.merge(r.leader().getStoreId(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private void remember(Placement p) {
        recent.addLast(p);
        p.peerStores().forEach(s -> recentPeers.merge(s, 1, Integer::sum));
        recentLeaders.merge(p.leaderStore(), 1, Integer::sum);
    }

    private void forgetBefore(long cutoffMillis) {
        while (!recent.isEmpty() && recent.peekFirst().atMillis() < cutoffMillis) {
            Placement p = recent.removeFirst();
            p.peerStores().forEach(s -> recentPeers.merge(s, -1, (a, b) -> a + b == 0 ? null : a + b));
            recentLeaders.merge(p.leaderStore(), -1, (a, b) -> a + b == 0 ? null : a + b);
        }
    }
}
