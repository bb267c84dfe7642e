package io.tinykv.scheduler;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;

/**
 * One change the scheduler asks of a region's leader. Each knows when the region's heartbeat shows
 * it carried out ({@link #isApplied}) and finished ({@link #isDone}), and how it travels in a
 * {@code RegionHeartbeatResponse}.
 */
public sealed interface OperatorStep {

    /** Adds a voter {@code peer} (a fresh peer id) on a store that has no peer of the region. */
    record AddPeer(Metapb.Peer peer) implements OperatorStep {}

    /** Removes {@code peer}, which is never the leader when asked. */
    record RemovePeer(Metapb.Peer peer) implements OperatorStep {}

    /** Moves leadership to the follower {@code target}. */
    record TransferLeader(Metapb.Peer target) implements OperatorStep {}

    /**
     * Splits the region so that a region starts at {@code key} (a raw key strictly inside it); asked
     * by an operator ({@code tinykv ctl} or the status page's API), carried out by the leader.
     */
    record SplitRegion(ByteString key) implements OperatorStep {}

    /** The metrics label and log name of this kind of step. */
    default String kind() {
        return switch (this) {
            case AddPeer a -> "add_peer";
            case RemovePeer r -> "remove_peer";
            case TransferLeader t -> "transfer_leader";
            case SplitRegion s -> "split_region";
        };
    }

    /** The store the step adds to, removes from, or hands leadership to; 0 for a split (no store). */
    default long storeId() {
        return switch (this) {
            case AddPeer a -> a.peer().getStoreId();
            case RemovePeer r -> r.peer().getStoreId();
            case TransferLeader t -> t.target().getStoreId();
            case SplitRegion s -> 0;
        };
    }

    /** Whether the region's membership or leadership already reflects this step. */
    default boolean isApplied(RegionInfo region) {
        return switch (this) {
            case AddPeer a -> region.hasPeer(a.peer().getId());
            case RemovePeer r -> !region.hasPeer(r.peer().getId());
            case TransferLeader t -> region.leader() != null && region.leader().getId() == t.target().getId();
            // The region keeps its id on one side of the split: either side now begins or ends at the key.
            case SplitRegion s -> region.startKey().equals(s.key()) || region.endKey().equals(s.key());
        };
    }

    /** Whether the step is complete: applied, and an added peer has caught up (is no longer pending). */
    default boolean isDone(RegionInfo region) {
        return switch (this) {
            case AddPeer a -> isApplied(region) && !region.isPending(a.peer().getId());
            case RemovePeer r -> isApplied(region);
            case TransferLeader t -> isApplied(region);
            case SplitRegion s -> isApplied(region);
        };
    }

    /** Fills the step's part of a heartbeat response. */
    default void writeTo(Pdpb.RegionHeartbeatResponse.Builder response) {
        switch (this) {
            case AddPeer a -> response.setChangePeer(Pdpb.ChangePeer.newBuilder()
                    .setPeer(a.peer()).setChangeType(Eraftpb.ConfChangeType.AddNode));
            case RemovePeer r -> response.setChangePeer(Pdpb.ChangePeer.newBuilder()
                    .setPeer(r.peer()).setChangeType(Eraftpb.ConfChangeType.RemoveNode));
            case TransferLeader t -> response.setTransferLeader(Pdpb.TransferLeader.newBuilder().setPeer(t.target()));
            case SplitRegion s -> response.setSplitRegion(Pdpb.SplitRegion.newBuilder()
                    .setPolicy(Pdpb.CheckPolicy.USEKEY).addKeys(s.key()));
        }
    }

    default String describe() {
        return switch (this) {
            case AddPeer a -> "add peer " + a.peer().getId() + " on store " + a.peer().getStoreId();
            case RemovePeer r -> "remove peer " + r.peer().getId() + " on store " + r.peer().getStoreId();
            case TransferLeader t -> "transfer leader to peer " + t.target().getId() + " on store "
                    + t.target().getStoreId();
            case SplitRegion s -> "split at " + Keys.hex(s.key());
        };
    }
}
