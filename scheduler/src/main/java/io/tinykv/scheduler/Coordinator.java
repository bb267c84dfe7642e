package io.tinykv.scheduler;

import io.tinykv.proto.Pdpb;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns region heartbeats into cluster updates and operators: records the heartbeat in the
 * {@link ClusterMeta}, advances the region's operator, and when the region has none asks the
 * {@link ReplicaChecker} for one. The answer, if any, goes back to the leader on the stream the
 * heartbeat came on. Heartbeats are handled one at a time (they are cheap), so each region's
 * operator sees a consistent sequence.
 */
public final class Coordinator {

    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);
    static final String REGION = "region";

    private final ClusterMeta cluster;
    private final OperatorController operators;
    private final ReplicaChecker replicaChecker;
    /** Null when balancing is off. */
    private final BalanceRegionScheduler balancer;
    private final SchedulerMetrics metrics;
    private final CheckerPauses checkerPauses;

    public Coordinator(ClusterMeta cluster, IdAllocator ids, SchedulerConfig config, SchedulerMetrics metrics) {
        this(cluster, ids, config, metrics, new CheckerPauses());
    }

    public Coordinator(ClusterMeta cluster, IdAllocator ids, SchedulerConfig config, SchedulerMetrics metrics,
            CheckerPauses checkerPauses) {
        this.cluster = cluster;
        this.checkerPauses = checkerPauses;
        this.operators = new OperatorController(config.operatorTimeout().toMillis());
        this.replicaChecker = new ReplicaChecker(cluster, config.maxReplicas(),
                config.maxStoreDownTime().toMillis(), ids::next);
        this.balancer = config.balancesRegions()
                ? new BalanceRegionScheduler(cluster, replicaChecker, config.maxReplicas(), ids::next)
                : null;
        this.metrics = metrics;
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
                return send(region, progress.operator().step(), nowMillis);
            }
            case WAITING -> {
                return Optional.empty();
            }
            case FINISHED -> ended(progress.operator(), "finished", nowMillis);
            case TIMED_OUT -> ended(progress.operator(), "timed_out", nowMillis);
            case DROPPED -> ended(progress.operator(), "dropped", nowMillis);
            case NONE -> { }
        }
        // A paused replica checker (PD's POST /pd/api/v1/checker/replica) creates nothing; operators
        // already running go on, as in PD.
        Optional<Operator> created = checkerPauses.isPaused(CheckerPauses.REPLICA, nowMillis)
                ? Optional.empty() : replicaChecker.check(region, nowMillis);
        if (created.isEmpty()) {
            return Optional.empty();
        }
        Operator op = created.get();
        operators.add(op);
        metrics.operator(op.kind(), "created");
        LOG.info("created {}", op);
        return send(region, op.step(), nowMillis);
    }

    private Optional<Pdpb.RegionHeartbeatResponse> send(RegionInfo region, OperatorStep step, long nowMillis) {
        if (step instanceof OperatorStep.RemovePeer remove && remove.peer().getId() == region.leader().getId()) {
            // Never remove the leader directly: ask for leadership to move first; the removal is
            // sent to the new leader on its heartbeat.
            return replicaChecker.transferTarget(region, remove.peer(), nowMillis)
                    .map(target -> Operator.response(cluster.clusterId(), region,
                            new OperatorStep.TransferLeader(target)));
        }
        return Optional.of(Operator.response(cluster.clusterId(), region, step));
    }

    /**
     * One round of the balance-region scheduler (when enabled): creates at most one move, which
     * goes to the region's leader with its next heartbeat.
     */
    public synchronized Optional<Operator> balanceRegions(long nowMillis) {
        if (balancer == null) {
            return Optional.empty();
        }
        Optional<Operator> move = balancer.schedule(nowMillis, id -> operators.get(id).isPresent());
        move.ifPresent(op -> {
            operators.add(op);
            metrics.operator(op.kind(), "created");
            LOG.info("created {}", op);
        });
        return move;
    }

    /** The operator in flight for {@code regionId}, if any. */
    public synchronized Optional<Operator> operator(long regionId) {
        return operators.get(regionId);
    }

    private void ended(Operator op, String event, long nowMillis) {
        metrics.operator(op.kind(), event);
        LOG.info("{} {} after {} ms", op, event.replace('_', ' '), nowMillis - op.createdAtMillis());
    }
}
