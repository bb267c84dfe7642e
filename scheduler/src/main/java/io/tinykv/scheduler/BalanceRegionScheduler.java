package io.tinykv.scheduler;

import io.tinykv.proto.Metapb;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongPredicate;
import java.util.function.LongSupplier;

/**
 * Evens out region sizes across stores, under TinyKV 3C's rules: the candidate stores are those
 * heartbeating (up or only briefly disconnected), ordered by the total approximate size of the
 * regions they hold. From the largest store it moves a region whose peer there is pending, else
 * one where it is a follower, else one it leads — only a region with the full replica count, and
 * only to the smallest up store not holding it, and only when the two stores' sizes differ by more
 * than twice the region's size (so the move cannot just swap which store is the larger one).
 * A move adds a learner on the target, promotes it to voter once it has caught up, then removes
 * the peer on the source, so the region never has fewer than its full count of caught-up voters,
 * and the new peer joins the quorum only with its data (a region with a learner is not moved).
 *
 * <p>Beyond TinyKV: the size gap must also exceed {@code toleranceRatio} of the mean store size
 * (sizes drift with writes; a cluster inside that band stays still); a region with an operator in
 * flight, an unhealthy peer, or a pending peer other than the one leaving is left alone; and no
 * store takes part in more than {@code limitPerStore} peer-moving operators at once.
 */
final class BalanceRegionScheduler {

    /** The name it is paused by (PD's scheduler name). */
    static final String NAME = "balance-region-scheduler";

    static final String KIND = "move_peer";

    private final ClusterMeta cluster;
    private final ReplicaChecker health;
    private final int maxReplicas;
    private final LongSupplier newPeerId;
    private final double toleranceRatio;
    private final int limitPerStore;

    BalanceRegionScheduler(
            ClusterMeta cluster,
            ReplicaChecker health,
            int maxReplicas,
            LongSupplier newPeerId,
            double toleranceRatio,
            int limitPerStore) {
        this.cluster = cluster;
        this.health = health;
        this.maxReplicas = maxReplicas;
        this.newPeerId = newPeerId;
        this.toleranceRatio = toleranceRatio;
        this.limitPerStore = limitPerStore;
    }

    /**
     * One move, if the cluster is out of balance; regions for which {@code busy} holds are left
     * alone, and stores with {@code limitPerStore} peer-moving operators in flight
     * ({@code inFlightByStore}) neither give nor take. Sizes include what operators in flight will
     * change ({@code influence}).
     */
    Optional<Operator> schedule(
            long nowMillis, LongPredicate busy, Map<Long, Integer> inFlightByStore, OperatorInfluence influence) {
        List<StoreInfo> candidates = cluster.stores().stream()
                .filter(s -> cluster.storeStatus(s, nowMillis).keepsPeers())
                .toList();
        if (candidates.size() < 2) {
            return Optional.empty();
        }
        List<RegionInfo> regions = cluster.regions();
        Map<Long, Long> sizeByStore = new HashMap<>();
        candidates.forEach(s -> sizeByStore.put(s.id(), 0L));
        for (RegionInfo r : regions) {
            for (Metapb.Peer p : r.region().getPeersList()) {
                sizeByStore.computeIfPresent(p.getStoreId(), (id, size) -> size + r.approximateSizeBytes());
            }
        }
        influence.bytes().forEach((store, delta) -> sizeByStore.computeIfPresent(store, (k, n) -> n + delta));
        long meanSize = sizeByStore.values().stream().mapToLong(Long::longValue).sum() / candidates.size();
        long toleranceBytes = (long) (toleranceRatio * meanSize);
        List<StoreInfo> bySizeDesc = new ArrayList<>(candidates);
        bySizeDesc.sort(Comparator.<StoreInfo>comparingLong(s -> sizeByStore.get(s.id()))
                .reversed()
                .thenComparingLong(StoreInfo::id));
        List<StoreInfo> targets = candidates.stream()
                .filter(s -> cluster.storeStatus(s, nowMillis).acceptsPeers() && !s.lowOnSpace())
                .filter(s -> inFlightByStore.getOrDefault(s.id(), 0) < limitPerStore)
                .toList();
        for (StoreInfo source : bySizeDesc) {
            if (inFlightByStore.getOrDefault(source.id(), 0) >= limitPerStore) {
                continue;
            }
            for (RegionInfo region : movableFrom(source.id(), regions, busy, nowMillis)) {
                Optional<Operator> move =
                        moveIfWorthIt(region, source, targets, sizeByStore, toleranceBytes, nowMillis);
                if (move.isPresent()) {
                    return move;
                }
            }
        }
        return Optional.empty();
    }

    /** The source store's regions that may move: pending peers first, then followers, then leaders. */
    private List<RegionInfo> movableFrom(long storeId, List<RegionInfo> regions, LongPredicate busy, long nowMillis) {
        List<RegionInfo> pending = new ArrayList<>();
        List<RegionInfo> follower = new ArrayList<>();
        List<RegionInfo> leader = new ArrayList<>();
        for (RegionInfo r : regions) {
            Optional<Metapb.Peer> peer = r.peerOnStore(storeId);
            if (peer.isEmpty()
                    || r.leader() == null
                    || busy.test(r.id())
                    || r.approximateSizeBytes() <= 0
                    || r.region().getPeersCount() != maxReplicas
                    || !r.learners().isEmpty()
                    || !allHealthy(r, nowMillis)) {
                continue;
            }
            if (r.pendingPeers().stream().anyMatch(p -> p.getId() != peer.get().getId())) {
                // Another peer is still catching up: removing this one could leave too few caught up.
                continue;
            }
            if (r.isPending(peer.get().getId())) {
                pending.add(r);
            } else if (r.leader().getId() != peer.get().getId()) {
                follower.add(r);
            } else {
                leader.add(r);
            }
        }
        List<RegionInfo> ordered = new ArrayList<>();
        for (List<RegionInfo> group : List.of(pending, follower, leader)) {
            group.sort(Comparator.comparingLong(RegionInfo::id));
            ordered.addAll(group);
        }
        return ordered;
    }

    /** Moving a region with an unhealthy peer is the replica checker's business, not balancing's. */
    private boolean allHealthy(RegionInfo region, long nowMillis) {
        return region.region().getPeersList().stream().allMatch(p -> health.isHealthy(region, p, nowMillis));
    }

    private Optional<Operator> moveIfWorthIt(
            RegionInfo region,
            StoreInfo source,
            List<StoreInfo> targets,
            Map<Long, Long> sizeByStore,
            long toleranceBytes,
            long nowMillis) {
        Optional<StoreInfo> target = targets.stream()
                .filter(s -> region.peerOnStore(s.id()).isEmpty())
                .min(Comparator.<StoreInfo>comparingLong(s -> sizeByStore.get(s.id()))
                        .thenComparingLong(StoreInfo::id));
        if (target.isEmpty()) {
            return Optional.empty();
        }
        long sourceSize = sizeByStore.get(source.id());
        long targetSize = sizeByStore.get(target.get().id());
        long gap = sourceSize - targetSize;
        if (gap <= 2 * region.approximateSizeBytes() || gap <= toleranceBytes) {
            return Optional.empty();
        }
        Metapb.Peer leaving = region.peerOnStore(source.id()).orElseThrow();
        Metapb.Peer arriving = Metapb.Peer.newBuilder()
                .setId(newPeerId.getAsLong())
                .setStoreId(target.get().id())
                .build();
        String reason = "balance region: store " + source.id() + " holds " + sourceSize + " bytes, store "
                + target.get().id() + " " + targetSize + ", region " + region.approximateSizeBytes();
        return Optional.of(new Operator(
                region.id(),
                KIND,
                List.of(
                        new OperatorStep.AddLearner(arriving),
                        new OperatorStep.PromoteLearner(arriving),
                        new OperatorStep.RemovePeer(leaving)),
                0,
                region.epoch(),
                reason,
                nowMillis));
    }
}
