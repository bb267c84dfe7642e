package io.tinykv.scheduler;

import io.tinykv.proto.Metapb;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongPredicate;

/**
 * Evens out leader counts across stores, which is where reads and writes land: from the store
 * leading the most regions, it hands one region's leadership to the follower on the store leading
 * the fewest (among the stores holding a replica of that region). It moves only when the two
 * counts differ by more than {@code tolerance} (at least 1), so a move never just swaps which
 * store is the busier one and a balanced cluster stays still; with N stores and R regions it
 * settles with every store within {@code tolerance} of the others.
 *
 * <p>Sources are stores still heartbeating (up or briefly disconnected); targets only up stores.
 * A region with an operator in flight, a pending peer or an unhealthy peer is left alone, and no
 * store is source or target of more than {@code limitPerStore} of these operators at once.
 */
final class BalanceLeaderScheduler {

    /** The name it is paused by (PD's scheduler name). */
    static final String NAME = "balance-leader-scheduler";

    static final String KIND = "balance_leader";

    private final ClusterMeta cluster;
    private final ReplicaChecker health;
    private final int tolerance;
    private final int limitPerStore;

    BalanceLeaderScheduler(ClusterMeta cluster, ReplicaChecker health, int tolerance, int limitPerStore) {
        if (tolerance < 1) {
            throw new IllegalArgumentException("leader tolerance must be >= 1 (got " + tolerance + ")");
        }
        this.cluster = cluster;
        this.health = health;
        this.tolerance = tolerance;
        this.limitPerStore = limitPerStore;
    }

    /** A leader candidate: the follower {@code peer} of {@code region}, on a store leading {@code count}. */
    private record Candidate(RegionInfo region, Metapb.Peer peer, int count) {}

    /**
     * One leader transfer, if the cluster is out of balance; regions for which {@code busy} holds
     * are left alone, and stores with {@code limitPerStore} balance-leader operators in flight
     * ({@code inFlightByStore}) neither give nor take. Counts include what operators in flight will
     * change ({@code influence}).
     */
    Optional<Operator> schedule(
            long nowMillis, LongPredicate busy, Map<Long, Integer> inFlightByStore, OperatorInfluence influence) {
        Map<Long, StoreStatus> statuses = new HashMap<>();
        for (StoreInfo s : cluster.stores()) {
            StoreStatus status = cluster.storeStatus(s, nowMillis);
            if (status.keepsPeers()) {
                statuses.put(s.id(), status);
            }
        }
        if (statuses.size() < 2) {
            return Optional.empty();
        }
        Map<Long, Integer> leaders = new HashMap<>();
        statuses.keySet().forEach(id -> leaders.put(id, 0));
        Map<Long, List<RegionInfo>> ledBy = new HashMap<>();
        for (RegionInfo r : cluster.regions()) {
            if (r.leader() != null && leaders.containsKey(r.leader().getStoreId())) {
                leaders.merge(r.leader().getStoreId(), 1, Integer::sum);
                ledBy.computeIfAbsent(r.leader().getStoreId(), k -> new ArrayList<>())
                        .add(r);
            }
        }
        influence.leaders().forEach((store, delta) -> leaders.computeIfPresent(store, (k, n) -> n + delta));
        List<Long> sources = new ArrayList<>(leaders.keySet());
        sources.sort(Comparator.<Long>comparingInt(leaders::get).reversed().thenComparingLong(Long::longValue));
        for (long source : sources) {
            int sourceCount = leaders.get(source);
            if (inFlightByStore.getOrDefault(source, 0) >= limitPerStore) {
                continue;
            }
            Optional<Candidate> best = ledBy.getOrDefault(source, List.of()).stream()
                    .filter(r -> !busy.test(r.id()) && r.pendingPeers().isEmpty() && allHealthy(r, nowMillis))
                    .flatMap(r -> r.region().getPeersList().stream()
                            .filter(p -> p.getId() != r.leader().getId() && !RegionInfo.isLearner(p))
                            .filter(p -> statuses.get(p.getStoreId()) == StoreStatus.UP)
                            .filter(p -> inFlightByStore.getOrDefault(p.getStoreId(), 0) < limitPerStore)
                            .map(p -> new Candidate(r, p, leaders.get(p.getStoreId()))))
                    .min(Comparator.comparingInt(Candidate::count)
                            .thenComparingLong(c -> c.peer().getStoreId())
                            .thenComparingLong(c -> c.region().id()));
            if (best.isPresent() && sourceCount - best.get().count() > tolerance) {
                Candidate c = best.get();
                String reason = "balance leader: store " + source + " leads " + sourceCount + " regions, store "
                        + c.peer().getStoreId() + " " + c.count();
                return Optional.of(new Operator(
                        c.region().id(),
                        KIND,
                        List.of(new OperatorStep.TransferLeader(c.peer())),
                        0,
                        c.region().epoch(),
                        reason,
                        nowMillis));
            }
        }
        return Optional.empty();
    }

    private boolean allHealthy(RegionInfo region, long nowMillis) {
        return region.region().getPeersList().stream().allMatch(p -> health.isHealthy(region, p, nowMillis));
    }
}
