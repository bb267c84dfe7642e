package io.tinykv.scheduler;

import io.tinykv.proto.Pdpb;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns region heartbeats into cluster updates and operators: records the heartbeat in the
 * {@link ClusterMeta}, advances the region's operator, and when the region has none asks the
 * {@link ReplicaChecker} for one, then (if the region is waiting to be scattered) the
 * {@link RegionScatterer}. The answer, if any, goes back to the leader on the stream the heartbeat
 * came on. Heartbeats are handled one at a time (they are cheap), so each region's operator sees a
 * consistent sequence.
 *
 * <p>Periodic rounds ({@link #schedule}) run the replica checker over the next batch of the
 * {@link RegionPatrol} (every region within a few rounds, not all in each), the
 * {@link BalanceLeaderScheduler} and the {@link BalanceRegionScheduler}. Every operator created outside a heartbeat (by a round, a scatter,
 * an operator of the cluster) is pushed to the region's leader at once through the
 * {@link OperatorDispatch}, as PD dispatches an operator on creation: stores heartbeat an unchanged
 * region only on a long interval, so waiting for the next heartbeat would hold the operator up for
 * that long. Each round also pushes again the step of every operator whose step went out more than
 * a round ago and whose region shows it neither applied nor overtaken: a lost push or a proposal the
 * leader dropped is retried within a round, not a heartbeat interval. The store side ignores a step
 * it has already done or is doing. Each checker and scheduler can be paused by name ({@link #pauses()}).
 */
public final class Coordinator {

    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    static final String REGION = "region";
    /** How many ended operators the status page can show. */
    static final int RECENT_OPERATORS = 100;

    private final ClusterMeta cluster;
    private final OperatorController operators;
    private final ReplicaChecker replicaChecker;
    private final BalanceLeaderScheduler leaderBalancer;
    private final BalanceRegionScheduler regionBalancer;
    private final RegionScatterer scatterer;
    private final RegionPatrol patrol;
    private final ScheduleConfig schedule;
    private final SchedulerPauses pauses;
    private final SchedulerMetrics metrics;
    /** A scatter asked for a region the scheduler has not heard of yet. */
    private record PendingScatter(long askedAtMillis, boolean withinLimits) {}

    /** Regions asked to be scattered before the scheduler heard of them. */
    private final Map<Long, PendingScatter> scatterOnFirstHeartbeat = new HashMap<>();

    private final RecentOperators recent = new RecentOperators(RECENT_OPERATORS);
    private final int maxReplicas;
    private final OperatorDispatch dispatch;
    /** When each running operator's current step last went out (pushed or in a heartbeat response), by region. */
    private final Map<Long, Long> stepSentAtMillis = new HashMap<>();
    /** How long a step may go without being sent before a round pushes it again. */
    private final long resendMillis;

    /** A coordinator whose operators go out only in heartbeat responses (tests without streams). */
    public Coordinator(
            ClusterMeta cluster,
            IdAllocator ids,
            SchedulerConfig config,
            SchedulerMetrics metrics,
            SchedulerPauses pauses) {
        this(cluster, ids, config, metrics, pauses, OperatorDispatch.NONE);
    }

    /** @param dispatch where operator steps are pushed to region leaders without waiting for a heartbeat */
    public Coordinator(
            ClusterMeta cluster,
            IdAllocator ids,
            SchedulerConfig config,
            SchedulerMetrics metrics,
            SchedulerPauses pauses,
            OperatorDispatch dispatch) {
        this.dispatch = java.util.Objects.requireNonNull(dispatch, "dispatch");
        this.resendMillis = config.schedule().balanceInterval().toMillis();
        this.cluster = cluster;
        this.schedule = config.schedule();
        this.operators = new OperatorController(
                config.operatorTimeout().toMillis(),
                config.leaderOperatorTimeout().toMillis());
        this.replicaChecker = new ReplicaChecker(
                cluster, config.maxReplicas(), config.maxStoreDownTime().toMillis(), ids::next);
        this.leaderBalancer = new BalanceLeaderScheduler(
                cluster, replicaChecker, schedule.leaderTolerance(), schedule.leaderScheduleLimit());
        this.regionBalancer = new BalanceRegionScheduler(
                cluster,
                replicaChecker,
                config.maxReplicas(),
                ids::next,
                schedule.regionToleranceRatio(),
                schedule.regionScheduleLimit());
        this.scatterer = new RegionScatterer(
                cluster,
                replicaChecker,
                config.maxReplicas(),
                ids::next,
                schedule.scatterMemory().toMillis());
        this.patrol = new RegionPatrol(cluster, schedule.patrolRegionBatch());
        this.pauses = pauses;
        this.metrics = metrics;
        this.maxReplicas = config.maxReplicas();
    }

    /**
     * Adds an operator asked for by an operator of the cluster ({@code tinykv ctl}, the status
     * page's API), unless its region already has one. It goes out with the region's next heartbeat.
     * The caller has checked its preconditions.
     *
     * @return the operator the region had instead, if it had one (then {@code op} was not added)
     */
    public synchronized Optional<Operator> submit(Operator op) {
        Optional<Operator> running = operators.get(op.regionId());
        if (running.isPresent()) {
            return running;
        }
        operators.add(op);
        metrics.operator(op.kind(), "created");
        LOG.info("created {}", op);
        push(op, op.createdAtMillis());
        return Optional.empty();
    }

    /** The operators in flight, by region id. */
    public synchronized List<Operator> runningOperators() {
        return operators.all().stream()
                .sorted(java.util.Comparator.comparingLong(Operator::regionId))
                .toList();
    }

    /** The last operators that ended, newest first. */
    public synchronized List<RecentOperators.Ended> recentOperators() {
        return recent.newestFirst();
    }

    /**
     * The regions with fewer healthy replicas than {@code max-replicas}, and why the replica checker
     * cannot repair each (see {@link ReplicationHealth}).
     */
    public synchronized List<ReplicationHealth.UnderReplicated> underReplicated(long nowMillis) {
        return new ReplicationHealth(cluster, replicaChecker, maxReplicas)
                .underReplicated(
                        nowMillis, pauses.isPaused(SchedulerPauses.REPLICA_CHECKER, nowMillis), operators::get);
    }

    /** The pause switches of the checkers and schedulers, by name. */
    public SchedulerPauses pauses() {
        return pauses;
    }

    /**
     * Handles one region heartbeat; returns the operator response to send to the leader, if any.
     *
     * @throws SchedulerException when the cluster is not bootstrapped or the heartbeat is malformed
     */
    public synchronized Optional<Pdpb.RegionHeartbeatResponse> regionHeartbeat(
            Pdpb.RegionHeartbeatRequest request, long nowMillis) {
        RegionInfo region = RegionInfo.fromHeartbeat(request);
        ClusterMeta.HeartbeatOutcome outcome = cluster.regionHeartbeat(region);
        metrics.heartbeat(REGION, outcome.name().toLowerCase(Locale.ROOT));
        if (outcome == ClusterMeta.HeartbeatOutcome.STALE || region.leader() == null) {
            return Optional.empty();
        }
        OperatorController.Outcome progress = operators.onHeartbeat(region, nowMillis);
        switch (progress.event()) {
            case SEND -> {
                stepSentAtMillis.put(region.id(), nowMillis);
                return send(region, progress.operator().step(), nowMillis);
            }
            case WAITING -> {
                return Optional.empty();
            }
            case FINISHED -> ended(progress.operator(), "finished", nowMillis);
            case TIMED_OUT -> ended(progress.operator(), "timed_out", nowMillis);
            case DROPPED -> ended(progress.operator(), "dropped", nowMillis);
            case NONE -> {}
        }
        Optional<Operator> created = pauses.isPaused(SchedulerPauses.REPLICA_CHECKER, nowMillis)
                ? Optional.empty()
                : replicaChecker.check(region, nowMillis);
        if (created.isEmpty()) {
            PendingScatter pending = scatterOnFirstHeartbeat.remove(region.id());
            if (pending != null
                    && nowMillis - pending.askedAtMillis()
                            < schedule.scatterMemory().toMillis()) {
                created = scatterer.scatter(region, nowMillis, scatterAllowed(pending.withinLimits()));
            }
        }
        if (created.isEmpty()) {
            return Optional.empty();
        }
        Operator op = created.get();
        operators.add(op);
        metrics.operator(op.kind(), "created");
        LOG.info("created {}", op);
        stepSentAtMillis.put(region.id(), nowMillis);
        return send(region, op.step(), nowMillis);
    }

    /**
     * Pushes {@code op}'s current step to its region's leader, unless the region as last heard shows
     * the step applied (the leader's next heartbeat advances the operator) or an epoch the operator
     * was not planned on (that heartbeat drops it), or the region has no known leader.
     */
    private void push(Operator op, long nowMillis) {
        Optional<RegionInfo> known = cluster.regionById(op.regionId());
        if (known.isEmpty() || known.get().leader() == null) {
            return;
        }
        RegionInfo region = known.get();
        if (op.step().isApplied(region) || !region.epoch().equals(op.epoch())) {
            return;
        }
        stepSentAtMillis.put(op.regionId(), nowMillis);
        send(region, op.step(), nowMillis).ifPresent(response -> {
            if (dispatch.push(region.leader().getStoreId(), response)) {
                metrics.operator(op.kind(), "pushed");
            }
        });
    }

    private Optional<Pdpb.RegionHeartbeatResponse> send(RegionInfo region, OperatorStep step, long nowMillis) {
        if (step instanceof OperatorStep.RemovePeer remove
                && remove.peer().getId() == region.leader().getId()) {
            // Never remove the leader directly: ask for leadership to move first; the removal is
            // sent to the new leader on its heartbeat.
            return replicaChecker
                    .transferTarget(region, remove.peer(), nowMillis)
                    .map(target ->
                            Operator.response(cluster.clusterId(), region, new OperatorStep.TransferLeader(target)));
        }
        return Optional.of(Operator.response(cluster.clusterId(), region, step));
    }

    /**
     * One scheduling round: drops operators that timed out unnoticed, pushes again steps not yet
     * done, runs the replica checker over the patrol's next batch of regions
     * ({@link #patrolReplicas}), then (when balancing is on) lets each unpaused balance scheduler
     * create at most one operator. Returns what it created.
     */
    public synchronized List<Operator> schedule(long nowMillis) {
        for (Operator op : operators.expire(nowMillis)) {
            ended(op, "timed_out", nowMillis);
        }
        for (Operator op : operators.all()) {
            if (nowMillis - stepSentAtMillis.getOrDefault(op.regionId(), Long.MIN_VALUE / 2) >= resendMillis) {
                push(op, nowMillis);
            }
        }
        scatterOnFirstHeartbeat
                .values()
                .removeIf(p -> nowMillis - p.askedAtMillis()
                        >= schedule.scatterMemory().toMillis());
        List<Operator> created = new ArrayList<>(patrolReplicas(nowMillis));
        if (schedule.balances()) {
            balanceLeaders(nowMillis).ifPresent(created::add);
            balanceRegions(nowMillis).ifPresent(created::add);
        }
        return created;
    }

    /**
     * The replica checker over the next {@code patrol-region-batch} regions of the {@link RegionPatrol}
     * (PD's region patrol), those with a leader and no operator, unless paused. A leader heartbeats an
     * unchanged region only on a long interval, so a region last heard from before its replicas'
     * stores joined, or before a store went down, would otherwise wait that long for its repair; the
     * operator is pushed at once. A batch, not every region: the round's cost stays bounded with many
     * regions, and a region whose heartbeat arrives is checked then anyway.
     */
    private List<Operator> patrolReplicas(long nowMillis) {
        if (pauses.isPaused(SchedulerPauses.REPLICA_CHECKER, nowMillis)) {
            return List.of();
        }
        List<Operator> made = new ArrayList<>();
        for (RegionInfo region : patrol.next()) {
            if (region.leader() == null || operators.get(region.id()).isPresent()) {
                continue;
            }
            created(replicaChecker.check(region, nowMillis), nowMillis).ifPresent(made::add);
        }
        return made;
    }

    /** One round of the balance-leader scheduler, unless paused: at most one leader transfer. */
    public synchronized Optional<Operator> balanceLeaders(long nowMillis) {
        if (pauses.isPaused(BalanceLeaderScheduler.NAME, nowMillis)) {
            return Optional.empty();
        }
        Map<Long, Integer> inFlight = inFlightByStore(op -> op.kind().equals(BalanceLeaderScheduler.KIND));
        return created(
                leaderBalancer.schedule(nowMillis, id -> unavailableToBalance(id, nowMillis), inFlight, influence()),
                nowMillis);
    }

    /** One round of the balance-region scheduler, unless paused: at most one move. */
    public synchronized Optional<Operator> balanceRegions(long nowMillis) {
        if (pauses.isPaused(BalanceRegionScheduler.NAME, nowMillis)) {
            return Optional.empty();
        }
        Map<Long, Integer> inFlight = inFlightByStore(Operator::movesPeers);
        return created(
                regionBalancer.schedule(nowMillis, id -> unavailableToBalance(id, nowMillis), inFlight, influence()),
                nowMillis);
    }

    /**
     * Scatters one region (PD's ScatterRegion): its replicas and leader go where {@link RegionScatterer}
     * places them, replacing any other operator the region has (which then reports {@code REPLACE}).
     * A region already being scattered keeps its operator (a client's retry changes nothing). A
     * region not heard of yet (fresh from a split) is scattered on its first heartbeat, if that comes
     * within the scatter memory. Returns the operator now running for the region, if any. Asked for
     * explicitly, a scatter is not held to the per-store limits (as in PD).
     */
    public synchronized Optional<Operator> scatterRegion(long regionId, long nowMillis) {
        return scatter(regionId, nowMillis, false);
    }

    private Optional<Operator> scatter(long regionId, long nowMillis, boolean withinLimits) {
        Optional<RegionInfo> region = cluster.regionById(regionId);
        if (region.isEmpty() || region.get().leader() == null) {
            scatterOnFirstHeartbeat.put(regionId, new PendingScatter(nowMillis, withinLimits));
            return Optional.empty();
        }
        Optional<Operator> running = operators.get(regionId);
        if (running.isPresent() && running.get().kind().equals(RegionScatterer.KIND)) {
            return running;
        }
        Optional<Operator> op = scatterer.scatter(region.get(), nowMillis, scatterAllowed(withinLimits));
        if (op.isEmpty()) {
            return running;
        }
        operators.replace(op.get()).ifPresent(old -> ended(old, "replaced", nowMillis));
        metrics.operator(op.get().kind(), "created");
        LOG.info("created {}", op.get());
        push(op.get(), nowMillis);
        return op;
    }

    /**
     * Scatters regions fresh from a split, when {@code scatter-split-regions} is on (the default);
     * for the split handling to call once it knows the new regions' ids. Held to the per-store
     * region-schedule limit: where moving replicas would exceed it, only the leader is scattered
     * (splits come in bursts, and each moved replica is a snapshot).
     */
    public synchronized void scatterNewRegions(Collection<Long> regionIds, long nowMillis) {
        if (!schedule.scatterSplitRegions()) {
            return;
        }
        for (long id : regionIds) {
            scatter(id, nowMillis, true);
        }
    }

    /** Whether a scatter operator may run: one that moves replicas only below the region limit. */
    private Predicate<Operator> scatterAllowed(boolean withinLimits) {
        if (!withinLimits) {
            return op -> true;
        }
        Map<Long, Integer> inFlight = inFlightByStore(Operator::movesPeers);
        return op -> !op.movesPeers()
                || op.stepStores().stream().allMatch(s -> inFlight.getOrDefault(s, 0) < schedule.regionScheduleLimit());
    }

    /** The region's running operator ({@code RUNNING}), else its last one and how it ended. */
    synchronized Optional<OperatorController.Report> operatorReport(long regionId) {
        return operators.report(regionId);
    }

    private OperatorInfluence influence() {
        return OperatorInfluence.of(operators.all(), cluster::regionById);
    }

    private boolean hasOperator(long regionId) {
        return operators.get(regionId).isPresent();
    }

    /** A region the balancers leave alone: it has an operator, or its last one just timed out. */
    private boolean unavailableToBalance(long regionId, long nowMillis) {
        return hasOperator(regionId) || operators.resting(regionId, nowMillis);
    }

    private Optional<Operator> created(Optional<Operator> op, long nowMillis) {
        op.ifPresent(o -> {
            operators.add(o);
            metrics.operator(o.kind(), "created");
            LOG.info("created {}", o);
            push(o, nowMillis);
        });
        return op;
    }

    /**
     * How many operators in flight that {@code counted} selects touch each store: the stores their
     * steps name, and the store of the region's current leader (the source of a leader transfer).
     */
    private Map<Long, Integer> inFlightByStore(Predicate<Operator> counted) {
        Map<Long, Integer> counts = new HashMap<>();
        for (Operator op : operators.all()) {
            if (!counted.test(op)) {
                continue;
            }
            Set<Long> stores = new HashSet<>(op.stepStores());
            cluster.regionById(op.regionId())
                    .flatMap(RegionInfo::leaderPeer)
                    .ifPresent(leader -> stores.add(leader.getStoreId()));
            stores.forEach(s -> counts.merge(s, 1, Integer::sum));
        }
        return counts;
    }

    /** The operator in flight for {@code regionId}, if any. */
    public synchronized Optional<Operator> operator(long regionId) {
        return operators.get(regionId);
    }

    private void ended(Operator op, String event, long nowMillis) {
        if (operators.get(op.regionId()).isEmpty()) {
            stepSentAtMillis.remove(op.regionId());
        }
        recent.add(op, event, nowMillis);
        metrics.operator(op.kind(), event);
        LOG.info("{} {} after {} ms", op, event.replace('_', ' '), nowMillis - op.createdAtMillis());
    }
}
