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
 * A move is an add-peer on the target followed by a remove-peer on the source.
 */
final class BalanceRegionScheduler {

    static final String KIND = "move_peer";

    private final ClusterMeta cluster;
    private final ReplicaChecker health;
    private final int maxReplicas;
    private final LongSupplier newPeerId;

    BalanceRegionScheduler(ClusterMeta cluster, ReplicaChecker health, int maxReplicas, LongSupplier newPeerId) {
        this.cluster = cluster;
        this.health = health;
        this.maxReplicas = maxReplicas;
        this.newPeerId = newPeerId;
    }

    /** One move, if the cluster is out of balance; regions for which {@code busy} holds are left alone. */
    Optional<Operator> schedule(long nowMillis, LongPredicate busy) {
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
        List<StoreInfo> bySizeDesc = new ArrayList<>(candidates);
        bySizeDesc.sort(Comparator.<StoreInfo>comparingLong(s -> sizeByStore.get(s.id())).reversed()
                .thenComparingLong(StoreInfo::id));
        for (StoreInfo source : bySizeDesc) {
            for (RegionInfo region : movableFrom(source.id(), regions, busy, nowMillis)) {
                Optional<Operator> move = moveIfWorthIt(region, source, candidates, sizeByStore, nowMillis);
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
            if (peer.isEmpty() || r.leader() == null || busy.test(r.id()) || r.approximateSizeBytes() <= 0
                    || r.region().getPeersCount() != maxReplicas || !allHealthy(r, nowMillis)) {
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

    private Optional<Operator> moveIfWorthIt(RegionInfo region, StoreInfo source, List<StoreInfo> candidates,
            Map<Long, Long> sizeByStore, long nowMillis) {
        Optional<StoreInfo> target = candidates.stream()
                .filter(s -> cluster.storeStatus(s, nowMillis).acceptsPeers() && !s.lowOnSpace())
                .filter(s -> region.peerOnStore(s.id()).isEmpty())
                .min(Comparator.<StoreInfo>comparingLong(s -> sizeByStore.get(s.id())).thenComparingLong(StoreInfo::id));
        if (target.isEmpty()) {
            return Optional.empty();
        }
        long sourceSize = sizeByStore.get(source.id());
        long targetSize = sizeByStore.get(target.get().id());
        if (sourceSize - targetSize <= 2 * region.approximateSizeBytes()) {
            return Optional.empty();
        }
        Metapb.Peer leaving = region.peerOnStore(source.id()).orElseThrow();
        Metapb.Peer arriving = Metapb.Peer.newBuilder().setId(newPeerId.getAsLong())
                .setStoreId(target.get().id()).build();
        String reason = "balance region: store " + source.id() + " holds " + sourceSize + " bytes, store "
                + target.get().id() + " " + targetSize + ", region " + region.approximateSizeBytes();
        return Optional.of(new Operator(region.id(), KIND,
                List.of(new OperatorStep.AddPeer(arriving), new OperatorStep.RemovePeer(leaving)), 0,
                region.epoch(), reason, nowMillis));
    }
}
