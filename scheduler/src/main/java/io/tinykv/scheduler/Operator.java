package io.tinykv.scheduler;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A change under way for one region: a sequence of {@link OperatorStep}s carried out one at a time
 * (moving a peer is add learner, promote it, remove the old one). The current step is sent to the region's leader with every
 * heartbeat until the heartbeat shows it done; then the next step starts. The operator is dropped
 * when it times out, or when the region's epoch moves on without the current step.
 *
 * @param kind the metrics label and log name ({@code add_peer}, {@code move_peer}, ...)
 * @param stepIndex the step under way
 * @param epoch the region's epoch when the current step started
 * @param reason why it was asked for, for the log
 */
public record Operator(
        long regionId,
        String kind,
        List<OperatorStep> steps,
        int stepIndex,
        Metapb.RegionEpoch epoch,
        String reason,
        long createdAtMillis) {

    public Operator {
        steps = List.copyOf(steps);
        if (steps.isEmpty() || stepIndex < 0 || stepIndex >= steps.size()) {
            throw new IllegalArgumentException(
                    "operator for region " + regionId + ": step " + stepIndex + " of " + steps.size());
        }
    }

    /** A one-step operator named after its step. */
    public static Operator single(RegionInfo region, OperatorStep step, String reason, long nowMillis) {
        return new Operator(region.id(), step.kind(), List.of(step), 0, region.epoch(), reason, nowMillis);
    }

    /** How PD's GetOperator names it: the kind with dashes, e.g. {@code scatter-region}. */
    public String desc() {
        return kind.replace('_', '-');
    }

    /** The stores the steps add to, remove from or hand leadership to. */
    public Set<Long> stepStores() {
        Set<Long> stores = new HashSet<>();
        for (OperatorStep s : steps) {
            if (s.storeId() != 0) {
                stores.add(s.storeId());
            }
        }
        return stores;
    }

    /** Whether any step adds or removes a peer (costly: a snapshot, data on disk). */
    public boolean movesPeers() {
        return steps.stream()
                .anyMatch(s -> s instanceof OperatorStep.AddLearner || s instanceof OperatorStep.RemovePeer);
    }

    /** Whether every step only hands leadership over (PD's leader operator: quick, or not at all). */
    public boolean onlyMovesLeaders() {
        return steps.stream().allMatch(s -> s instanceof OperatorStep.TransferLeader);
    }

    public OperatorStep step() {
        return steps.get(stepIndex);
    }

    public boolean isLastStep() {
        return stepIndex == steps.size() - 1;
    }

    /** This operator at its next step, which starts at the region's current epoch. */
    public Operator advance(Metapb.RegionEpoch currentEpoch) {
        return new Operator(regionId, kind, steps, stepIndex + 1, currentEpoch, reason, createdAtMillis);
    }

    /** The heartbeat response that asks {@code region}'s leader to carry out {@code step}. */
    public static Pdpb.RegionHeartbeatResponse response(long clusterId, RegionInfo region, OperatorStep step) {
        Pdpb.RegionHeartbeatResponse.Builder b = Pdpb.RegionHeartbeatResponse.newBuilder()
                .setHeader(Pdpb.ResponseHeader.newBuilder().setClusterId(clusterId))
                .setRegionId(region.id())
                .setRegionEpoch(region.epoch());
        if (region.leader() != null) {
            b.setTargetPeer(region.leader());
        }
        step.writeTo(b);
        return b.build();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(kind)
                .append(" operator for region ")
                .append(regionId)
                .append(": ");
        for (int i = 0; i < steps.size(); i++) {
            if (i > 0) {
                b.append(", then ");
            }
            b.append(steps.get(i).describe());
        }
        return b.append(" (").append(reason).append(')').toString();
    }
}
