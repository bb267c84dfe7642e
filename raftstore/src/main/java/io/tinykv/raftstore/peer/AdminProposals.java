package io.tinykv.raftstore.peer;

import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.AdminRequest;
import io.tinykv.proto.RaftCmdpb.AdminResponse;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdResponse;
import io.tinykv.proto.RaftCmdpb.RaftResponseHeader;
import io.tinykv.proto.RaftCmdpb.TransferLeaderResponse;
import io.tinykv.proto.RegionEpochs;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RegionErrors;
import io.tinykv.raftstore.Regions;
import io.tinykv.raftstore.split.BatchSplits;
import java.util.List;

/**
 * Decides what a leader does with an admin command (from the scheduler, or its own log GC and split
 * check), once the command passed {@link CommandCheck}. ChangePeer goes through the log as a
 * conf-change entry whose context carries the whole command, so that every replica can check the
 * epoch at apply; TransferLeader is a message between the Raft nodes and is answered at once;
 * CompactLog and BatchSplit go through the log like a write. The peer, which owns the Raft node, its
 * proposals and its lease, carries the decision out ({@link Step}).
 */
final class AdminProposals {

    private AdminProposals() {}

    /** What the peer does with an admin command. */
    sealed interface Step {}

    /** Answer at once with {@code error}. */
    record Refuse(Errorpb.Error error) implements Step {}

    /** Ask the Raft node to hand leadership to peer {@code transfereeId}, and answer at once. */
    record TransferLeader(long transfereeId) implements Step {}

    /** Propose the command to the log as an entry, as a write is. */
    record ProposeEntry() implements Step {}

    /** Propose {@code change} to the log as a conf-change entry. */
    record ProposeConfChange(Eraftpb.ConfChange change) implements Step {}

    /**
     * The step for {@code request} at a leader {@code selfPeerId} of {@code region} (region {@code
     * regionId}), whose last split cut {@code splitOff} off it.
     */
    static Step decide(
            RaftCmdRequest request,
            long selfPeerId,
            long regionId,
            Metapb.Region region,
            List<Metapb.Region> splitOff) {
        AdminRequest admin = request.getAdminRequest();
        return switch (admin.getCmdType()) {
            case ChangePeer -> confChange(request, selfPeerId, region);
            case TransferLeader -> {
                Metapb.Peer target = admin.getTransferLeader().getPeer();
                Metapb.Peer member = Regions.findPeer(region, target.getId());
                if (member == null || Regions.isLearner(member)) {
                    yield new Refuse(RegionErrors.badRequest("peer " + target.getId()
                            + (member == null ? " is not in region " : " is a learner of region ") + regionId
                            + "; only a voter can lead"));
                }
                yield new TransferLeader(target.getId());
            }
            case CompactLog -> new ProposeEntry();
            case BatchSplit -> {
                if (RegionEpochs.isStale(request.getHeader().getRegionEpoch(), region.getRegionEpoch())) {
                    yield new Refuse(
                            RegionErrors.epochNotMatch(request.getHeader().getRegionEpoch(), region, splitOff));
                }
                String refusal = BatchSplits.check(region, admin.getSplits());
                if (refusal != null) {
                    yield new Refuse(
                            RegionErrors.badRequest("batch split of region " + regionId + " refused: " + refusal));
                }
                yield new ProposeEntry();
            }
            default -> new Refuse(RegionErrors.badRequest("unsupported admin command " + admin.getCmdType()));
        };
    }

    private static Step confChange(RaftCmdRequest request, long selfPeerId, Metapb.Region region) {
        var change = request.getAdminRequest().getChangePeer();
        if (RegionEpochs.isStale(request.getHeader().getRegionEpoch(), region.getRegionEpoch())) {
            return new Refuse(RegionErrors.epochNotMatch(request.getHeader().getRegionEpoch(), region));
        }
        if (change.getChangeType() == Eraftpb.ConfChangeType.RemoveNode
                && change.getPeer().getId() == selfPeerId) {
            // The leader cannot count itself out of the quorum that commits its own removal
            // safely in every case; the scheduler moves leadership away first (as TiKV requires).
            return new Refuse(RegionErrors.badRequest("the leader cannot remove itself; transfer leadership first"));
        }
        if ((change.getChangeType() == Eraftpb.ConfChangeType.AddNode
                        || change.getChangeType() == Eraftpb.ConfChangeType.AddLearnerNode)
                && change.getPeer().getStoreId() == 0) {
            return new Refuse(RegionErrors.badRequest("the peer to add has no store"));
        }
        return new ProposeConfChange(Eraftpb.ConfChange.newBuilder()
                .setChangeType(change.getChangeType())
                .setNodeId(change.getPeer().getId())
                .setContext(request.toByteString())
                .build());
    }

    /** The answer to a TransferLeader the Raft node took on, at {@code term}. */
    static CmdResult transferLeaderStarted(long term) {
        return CmdResult.of(RaftCmdResponse.newBuilder()
                .setHeader(RaftResponseHeader.newBuilder().setCurrentTerm(term))
                .setAdminResponse(AdminResponse.newBuilder()
                        .setCmdType(AdminCmdType.TransferLeader)
                        .setTransferLeader(TransferLeaderResponse.getDefaultInstance()))
                .build());
    }
}
