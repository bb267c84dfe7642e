package io.tinykv.scheduler;

import io.tinykv.proto.Metapb;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * Which regions have fewer healthy replicas than {@code max-replicas}, and in words why the
 * {@link ReplicaChecker} cannot repair each right now: what the scheduler logs and the status page
 * shows, so that an operator learns that a cluster runs with one replica (and what to do about it)
 * instead of finding out when a store dies. Built per call under the {@link Coordinator}'s lock.
 */
public final class ReplicationHealth {

    /**
     * One under-replicated region.
     *
     * @param healthy peers on stores that are up (or only briefly disconnected) and not reported down
     * @param wanted {@code max-replicas}
     * @param reason why it is not (yet) repaired, and what would repair it
     */
    public record UnderReplicated(long regionId, int peers, int healthy, int wanted, String reason) {}

    private final ClusterMeta cluster;
    private final ReplicaChecker checker;
    private final int maxReplicas;

    ReplicationHealth(ClusterMeta cluster, ReplicaChecker checker, int maxReplicas) {
        this.cluster = cluster;
        this.checker = checker;
        this.maxReplicas = maxReplicas;
    }

    List<UnderReplicated> underReplicated(
            long nowMillis, boolean checkerPaused, LongFunction<Optional<Operator>> operatorOf) {
        List<StoreInfo> stores = cluster.stores();
        List<UnderReplicated> out = new ArrayList<>();
        for (RegionInfo region : cluster.regions()) {
            // A learner is no replica yet: it does not vote and may still wait for its data.
            List<Metapb.Peer> peers = region.voters();
            int healthy = (int) peers.stream()
                    .filter(p -> checker.isHealthy(region, p, nowMillis))
                    .count();
            if (healthy >= maxReplicas) {
                continue;
            }
            out.add(new UnderReplicated(
                    region.id(),
                    peers.size(),
                    healthy,
                    maxReplicas,
                    reason(region, stores, nowMillis, checkerPaused, operatorOf.apply(region.id()))));
        }
        out.sort(java.util.Comparator.comparingLong(UnderReplicated::regionId));
        return out;
    }

    private String reason(
            RegionInfo region,
            List<StoreInfo> stores,
            long nowMillis,
            boolean checkerPaused,
            Optional<Operator> running) {
        if (running.isPresent()) {
            return "being repaired: " + running.get();
        }
        if (region.leader() == null) {
            return "no leader has reported the region since the scheduler started; it is repaired once one does";
        }
        if (checkerPaused) {
            return "the replica checker is paused (resume it: tinykv ctl scheduler resume replica)";
        }
        List<String> unusable = new ArrayList<>();
        int candidates = 0;
        for (StoreInfo s : stores) {
            if (region.peerOnStore(s.id()).isPresent()) {
                continue;
            }
            StoreStatus status = cluster.storeStatus(s, nowMillis);
            if (!status.acceptsPeers()) {
                unusable.add("store " + s.id() + " is " + status.name().toLowerCase(java.util.Locale.ROOT));
            } else if (s.lowOnSpace()) {
                unusable.add("store " + s.id() + " is low on disk space");
            } else {
                candidates++;
            }
        }
        if (candidates > 0) {
            return "a peer will be added when the replica patrol reaches the region (every region within "
                    + "regions / patrol-region-batch scheduling rounds) or on its next heartbeat";
        }
        long up = stores.stream()
                .filter(s -> cluster.storeStatus(s, nowMillis) == StoreStatus.UP)
                .count();
        return "no store can take another replica: " + up + " store(s) up for " + maxReplicas + " replicas"
                + (unusable.isEmpty() ? "" : " (" + String.join(", ", unusable) + ")")
                + "; start more stores (each with its own --addr, --status-addr and --data-dir) or bring the "
                + "others back";
    }
}
