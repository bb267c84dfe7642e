package io.tinykv.scheduler;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;

/**
 * A change under way for one region: one {@link OperatorStep}, created against the region's epoch
 * at that time. It is sent to the region's leader with every heartbeat until the heartbeat shows
 * it done, and dropped when it times out or the region's epoch moves on without it.
 *
 * @param reason why the checker asked for it, for the log
 */
public record Operator(long regionId, Metapb.RegionEpoch epoch, OperatorStep step, String reason,
        long createdAtMillis) {

    /** The heartbeat response that asks {@code region}'s leader to carry this operator out. */
    public Pdpb.RegionHeartbeatResponse toResponse(long clusterId, RegionInfo region) {
        Pdpb.RegionHeartbeatResponse.Builder b = Pdpb.RegionHeartbeatResponse.newBuilder()
                .setHeader(Pdpb.ResponseHeader.newBuilder().setClusterId(clusterId))
                .setRegionId(regionId)
                .setRegionEpoch(region.epoch());
        if (region.leader() != null) {
            b.setTargetPeer(region.leader());
        }
        step.writeTo(b);
        return b.build();
    }

    @Override
    public String toString() {
        return "operator for region " + regionId + ": " + step.describe() + " (" + reason + ")";
    }
}
