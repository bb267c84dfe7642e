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
    private final SchedulerMetrics metrics;

    public Coordinator(ClusterMeta cluster, IdAllocator ids, SchedulerConfig config, SchedulerMetrics metrics) {
        this.cluster = cluster;
        this.operators = new OperatorController(config.operatorTimeout().toMillis());
        this.replicaChecker = new ReplicaChecker(cluster, config.maxReplicas(),
                config.maxStoreDownTime().toMillis(), ids::next);
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
                return Optional.of(progress.operator().toResponse(cluster.clusterId(), region));
            }
            case WAITING -> {
                return Optional.empty();
            }
            case FINISHED -> ended(progress.operator(), "finished", nowMillis);
            case TIMED_OUT -> ended(progress.operator(), "timed_out", nowMillis);
            case DROPPED -> ended(progress.operator(), "dropped", nowMillis);
            case NONE -> { }
        }
        Optional<Operator> created = replicaChecker.check(region, nowMillis);
        if (created.isEmpty()) {
            return Optional.empty();
        }
        Operator op = created.get();
        operators.add(op);
        metrics.operator(op.step().kind(), "created");
        LOG.info("created {}", op);
        return Optional.of(op.toResponse(cluster.clusterId(), region));
    }

    /** The operator in flight for {@code regionId}, if any. */
    public synchronized Optional<Operator> operator(long regionId) {
        return operators.get(regionId);
    }

    private void ended(Operator op, String event, long nowMillis) {
        metrics.operator(op.step().kind(), event);
        LOG.info("{} {} after {} ms", op, event.replace('_', ' '), nowMillis - op.createdAtMillis());
    }
}
