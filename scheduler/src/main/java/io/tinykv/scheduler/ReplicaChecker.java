package io.tinykv.scheduler;

import io.tinykv.proto.Metapb;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Keeps every region at {@code maxReplicas} voters on distinct healthy stores, one step at a time:
 * <ol>
 *   <li>a learner (a replica being added, left behind by an operator that did not finish) is
 *       settled first: removed when unhealthy or not needed, else promoted to voter once it has
 *       caught up (until then the checker waits: never a second learner on top);</li>
 *   <li>fewer healthy voters than wanted: add a replica on an up store that has none of the
 *       region, the store with the fewest regions first — as a learner, promoted once caught up,
 *       so the new replica never counts in a quorum while it has no data (this is also how a peer
 *       on a down store is replaced: add first, remove after);</li>
 *   <li>an unhealthy peer (store down longer than the max store down time, offline, tombstone or
 *       unknown, or reported down by the leader for that long) once enough healthy voters exist:
 *       remove it;</li>
 *   <li>more voters than wanted: remove a follower — a pending one first, else the one on the store
 *       with the most regions.</li>
 * </ol>
 * The leader is never removed directly: when it is the peer to go, leadership moves first (to a
 * voter). A removal that would leave fewer caught-up healthy voters than a quorum of the new
 * membership is not asked for.
 */
final class ReplicaChecker {

    private static final long MILLIS_PER_SECOND = 1_000;
    /** The kind of the operator that adds a replica (its steps: add learner, promote learner). */
    static final String ADD_KIND = "add_peer";

    private final ClusterMeta cluster;
    private final int maxReplicas;
    private final long maxStoreDownMillis;
    private final LongSupplier newPeerId;

    ReplicaChecker(ClusterMeta cluster, int maxReplicas, long maxStoreDownMillis, LongSupplier newPeerId) {
        this.cluster = cluster;
        this.maxReplicas = maxReplicas;
        this.maxStoreDownMillis = maxStoreDownMillis;
        this.newPeerId = newPeerId;
    }

    /** The next step for {@code region}, if it needs one; needs a known leader to send it to. */
    Optional<Operator> check(RegionInfo region, long nowMillis) {
        if (region.leader() == null) {
            return Optional.empty();
        }
        List<Metapb.Peer> voters = region.voters();
        List<Metapb.Peer> unhealthy = new ArrayList<>();
        for (Metapb.Peer p : voters) {
            if (!isHealthy(region, p, nowMillis)) {
                unhealthy.add(p);
            }
        }
        int healthy = voters.size() - unhealthy.size();
        List<Metapb.Peer> learners = region.learners();
        if (!learners.isEmpty()) {
            return settleLearner(region, learners.get(0), healthy, nowMillis);
        }
        if (healthy < maxReplicas) {
            Optional<StoreInfo> target = chooseTarget(region, nowMillis);
            if (target.isPresent()) {
                Metapb.Peer peer = Metapb.Peer.newBuilder()
                        .setId(newPeerId.getAsLong())
                        .setStoreId(target.get().id())
                        .build();
                String reason = unhealthy.isEmpty()
                        ? "region has " + healthy + " of " + maxReplicas + " replicas"
                        : "replacing unhealthy peers " + ids(unhealthy);
                return Optional.of(new Operator(
                        region.id(), ADD_KIND, OperatorStep.addVoter(peer), 0, region.epoch(), reason, nowMillis));
            }
            if (unhealthy.isEmpty()) {
                return Optional.empty();
            }
        }
        if (!unhealthy.isEmpty() && healthy >= maxReplicas) {
            return remove(
                    region,
                    unhealthy.get(0),
                    "peer on unhealthy store " + unhealthy.get(0).getStoreId(),
                    nowMillis);
        }
        if (voters.size() > maxReplicas && unhealthy.isEmpty()) {
            Map<Long, Integer> counts = cluster.regionCountsByStore();
            Optional<Metapb.Peer> extra = voters.stream()
                    .filter(p -> p.getId() != region.leader().getId())
                    .max(Comparator.<Metapb.Peer>comparingInt(p -> region.isPending(p.getId()) ? 1 : 0)
                            .thenComparingInt(p -> counts.getOrDefault(p.getStoreId(), 0))
                            .thenComparingLong(Metapb.Peer::getStoreId));
            if (extra.isPresent()) {
                return remove(
                        region,
                        extra.get(),
                        "region has " + voters.size() + " voters, wants " + maxReplicas,
                        nowMillis);
            }
        }
        return Optional.empty();
    }

    /**
     * A learner the region has without an operator that adds it: promoted once it has caught up
     * when the region lacks voters, waited for while it catches up, removed when it is unhealthy
     * or the region has its voters already.
     */
    private Optional<Operator> settleLearner(
            RegionInfo region, Metapb.Peer learner, int healthyVoters, long nowMillis) {
        if (!isHealthy(region, learner, nowMillis)) {
            return Optional.of(operator(
                    region,
                    new OperatorStep.RemovePeer(learner),
                    "learner on unhealthy store " + learner.getStoreId(),
                    nowMillis));
        }
        if (healthyVoters >= maxReplicas) {
            return Optional.of(operator(
                    region,
                    new OperatorStep.RemovePeer(learner),
                    "region has its " + maxReplicas + " voters; learner " + learner.getId() + " is not needed",
                    nowMillis));
        }
        if (region.isPending(learner.getId())) {
            return Optional.empty();
        }
        return Optional.of(operator(
                region,
                new OperatorStep.PromoteLearner(learner),
                "region has " + healthyVoters + " of " + maxReplicas + " voters; learner " + learner.getId()
                        + " has caught up",
                nowMillis));
    }

    private Optional<Operator> remove(RegionInfo region, Metapb.Peer victim, String reason, long nowMillis) {
        if (victim.getId() == region.leader().getId()) {
            // Never remove the leader directly: move leadership to a caught-up healthy follower first.
            return transferTarget(region, victim, nowMillis)
                    .map(target -> operator(
                            region,
                            new OperatorStep.TransferLeader(target),
                            "leader peer must go: " + reason,
                            nowMillis));
        }
        if (RegionInfo.isLearner(victim)) {
            // A learner is outside every quorum: removing it never costs availability.
            return Optional.of(operator(region, new OperatorStep.RemovePeer(victim), reason, nowMillis));
        }
        int remaining = region.voters().size() - 1;
        long caughtUpHealthy = region.voters().stream()
                .filter(p ->
                        p.getId() != victim.getId() && !region.isPending(p.getId()) && isHealthy(region, p, nowMillis))
                .count();
        if (caughtUpHealthy < remaining / 2 + 1) {
            return Optional.empty();
        }
        return Optional.of(operator(region, new OperatorStep.RemovePeer(victim), reason, nowMillis));
    }

    /** A caught-up, healthy voter other than {@code leaving} to take over leadership, if any. */
    Optional<Metapb.Peer> transferTarget(RegionInfo region, Metapb.Peer leaving, long nowMillis) {
        return region.voters().stream()
                .filter(p ->
                        p.getId() != leaving.getId() && !region.isPending(p.getId()) && isHealthy(region, p, nowMillis))
                .findFirst();
    }

    boolean isHealthy(RegionInfo region, Metapb.Peer peer, long nowMillis) {
        Optional<StoreInfo> store = cluster.store(peer.getStoreId());
        if (store.isEmpty() || !cluster.storeStatus(store.get(), nowMillis).keepsPeers()) {
            return false;
        }
        return region.downSeconds(peer.getId()) * MILLIS_PER_SECOND < maxStoreDownMillis;
    }

    private Optional<StoreInfo> chooseTarget(RegionInfo region, long nowMillis) {
        Map<Long, Integer> counts = cluster.regionCountsByStore();
        return cluster.stores().stream()
                .filter(s -> cluster.storeStatus(s, nowMillis).acceptsPeers() && !s.lowOnSpace())
                .filter(s -> region.peerOnStore(s.id()).isEmpty())
                .min(Comparator.<StoreInfo>comparingInt(s -> counts.getOrDefault(s.id(), 0))
                        .thenComparingLong(StoreInfo::id));
    }

    private static Operator operator(RegionInfo region, OperatorStep step, String reason, long nowMillis) {
        return Operator.single(region, step, reason, nowMillis);
    }

    private static String ids(List<Metapb.Peer> peers) {
        return peers.stream()
                .map(p -> p.getId() + "@store " + p.getStoreId())
                .toList()
                .toString();
    }
}
