package io.tinykv.scheduler;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import java.util.List;

/**
 * One change the scheduler asks of a region's leader. Each knows when the region's heartbeat shows
 * it carried out ({@link #isApplied}) and finished ({@link #isDone}), and how it travels in a
 * {@code RegionHeartbeatResponse}.
 */
public sealed interface OperatorStep {

    /**
     * Adds {@code peer} (a fresh peer id) as a learner on a store that has no peer of the region. A
     * learner receives the log but does not vote, so the region's quorum is unchanged while it
     * waits for its snapshot; {@link PromoteLearner} makes it a voter once it has caught up.
     */
    record AddLearner(Metapb.Peer peer) implements OperatorStep {
        public AddLearner {
            peer = peer.toBuilder().setRole(Metapb.PeerRole.Learner).build();
        }
    }

    /** Makes the learner {@code peer} a voter. */
    record PromoteLearner(Metapb.Peer peer) implements OperatorStep {
        public PromoteLearner {
            peer = peer.toBuilder().setRole(Metapb.PeerRole.Voter).build();
        }
    }

    /** Removes {@code peer}, which is never the leader when asked. */
    record RemovePeer(Metapb.Peer peer) implements OperatorStep {}

    /** Moves leadership to the follower {@code target}. */
    record TransferLeader(Metapb.Peer target) implements OperatorStep {}

    /**
     * Splits the region so that a region starts at {@code key} (a raw key strictly inside it); asked
     * by an operator ({@code tinykv ctl} or the status page's API), carried out by the leader.
     */
    record SplitRegion(ByteString key) implements OperatorStep {}

    /**
     * The steps that add a voter {@code peer}: as a learner first, promoted once it has caught up
     * (PD's order), so the new peer never counts in a quorum while it has no data.
     */
    static List<OperatorStep> addVoter(Metapb.Peer peer) {
        return List.of(new AddLearner(peer), new PromoteLearner(peer));
    }

    /** The metrics label and log name of this kind of step. */
    default String kind() {
        return switch (this) {
            case AddLearner a -> "add_learner";
            case PromoteLearner p -> "promote_learner";
            case RemovePeer r -> "remove_peer";
            case TransferLeader t -> "transfer_leader";
            case SplitRegion s -> "split_region";
        };
    }

    /** The store the step adds to, removes from, or hands leadership to; 0 for a split (no store). */
    default long storeId() {
        return switch (this) {
            case AddLearner a -> a.peer().getStoreId();
            case PromoteLearner p -> p.peer().getStoreId();
            case RemovePeer r -> r.peer().getStoreId();
            case TransferLeader t -> t.target().getStoreId();
            case SplitRegion s -> 0;
        };
    }

    /** Whether the region's membership or leadership already reflects this step. */
    default boolean isApplied(RegionInfo region) {
        return switch (this) {
            case AddLearner a -> region.hasPeer(a.peer().getId());
            case PromoteLearner p -> region.hasVoter(p.peer().getId());
            case RemovePeer r -> !region.hasPeer(r.peer().getId());
            case TransferLeader t ->
                region.leader() != null && region.leader().getId() == t.target().getId();
            // The region keeps its id on one side of the split: either side now begins or ends at the key.
            case SplitRegion s ->
                region.startKey().equals(s.key()) || region.endKey().equals(s.key());
        };
    }

    /** Whether the step is complete: applied, and an added learner has caught up (is no longer pending). */
    default boolean isDone(RegionInfo region) {
        return switch (this) {
            case AddLearner a -> isApplied(region) && !region.isPending(a.peer().getId());
            case PromoteLearner p -> isApplied(region);
            case RemovePeer r -> isApplied(region);
            case TransferLeader t -> isApplied(region);
            case SplitRegion s -> isApplied(region);
        };
    }

    /** Fills the step's part of a heartbeat response. */
    default void writeTo(Pdpb.RegionHeartbeatResponse.Builder response) {
        switch (this) {
            case AddLearner a ->
                response.setChangePeer(Pdpb.ChangePeer.newBuilder()
                        .setPeer(a.peer())
                        .setChangeType(Eraftpb.ConfChangeType.AddLearnerNode));
            // Adding a peer the region has as a learner promotes it (TiKV's promotion).
            case PromoteLearner p ->
                response.setChangePeer(
                        Pdpb.ChangePeer.newBuilder().setPeer(p.peer()).setChangeType(Eraftpb.ConfChangeType.AddNode));
            case RemovePeer r ->
                response.setChangePeer(Pdpb.ChangePeer.newBuilder()
                        .setPeer(r.peer())
                        .setChangeType(Eraftpb.ConfChangeType.RemoveNode));
            case TransferLeader t ->
                response.setTransferLeader(Pdpb.TransferLeader.newBuilder().setPeer(t.target()));
            case SplitRegion s ->
                response.setSplitRegion(Pdpb.SplitRegion.newBuilder()
                        .setPolicy(Pdpb.CheckPolicy.USEKEY)
                        .addKeys(s.key()));
        }
    }

    default String describe() {
        return switch (this) {
            case AddLearner a ->
                "add learner " + a.peer().getId() + " on store " + a.peer().getStoreId();
            case PromoteLearner p ->
                "promote learner " + p.peer().getId() + " on store " + p.peer().getStoreId();
            case RemovePeer r ->
                "remove peer " + r.peer().getId() + " on store " + r.peer().getStoreId();
            case TransferLeader t ->
                "transfer leader to peer " + t.target().getId() + " on store "
                        + t.target().getStoreId();
            case SplitRegion s -> "split at " + Keys.hex(s.key());
        };
    }
}
