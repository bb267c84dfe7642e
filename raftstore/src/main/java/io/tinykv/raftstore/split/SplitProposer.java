package io.tinykv.raftstore.split;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.AdminRequest;
import io.tinykv.proto.RaftCmdpb.BatchSplitRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.SplitRequest;
import io.tinykv.raftstore.PeerMsg;
import io.tinykv.raftstore.RegionErrors;
import io.tinykv.raftstore.Regions;
import io.tinykv.raftstore.Router;
import io.tinykv.raftstore.pd.SchedulerReporter;
import io.tinykv.raftstore.peer.Peer;
import java.util.Objects;

/**
 * Turns a request to split a region ({@link PeerMsg.SplitRegion}, from the {@link SplitChecker} or
 * an operator) into a BatchSplit proposal: the leader asks the scheduler for the new region and
 * peer ids ({@code AskBatchSplit}, answered later on another thread, back through the mailbox as
 * {@link PeerMsg.SplitIds}), then proposes the split at the epoch the request named. The epoch is
 * checked at each step and once more when the split is applied, so a region that changed meanwhile
 * is never split by stale keys. Raft thread.
 */
public final class SplitProposer {

    private final SchedulerReporter reporter;
    private Router router;

    public SplitProposer(SchedulerReporter reporter) {
        this.reporter = Objects.requireNonNull(reporter, "reporter");
    }

    public void attach(Router router) {
        this.router = router;
    }

    public void onSplitRegion(Peer peer, PeerMsg.SplitRegion split) {
        long term = peer.term();
        if (!peer.isLeader()) {
            split.callback()
                    .complete(RegionErrors.result(
                            RegionErrors.notLeader(peer.regionId(), Regions.findPeer(peer.region(), peer.leaderId())),
                            term));
            return;
        }
        Metapb.Region region = peer.region();
        if (!split.epoch().equals(region.getRegionEpoch())) {
            split.callback()
                    .complete(RegionErrors.result(
                            RegionErrors.epochNotMatch(split.epoch(), region, peer.splitOff()), term));
            return;
        }
        String refusal = BatchSplits.check(region, request(region, split, placeholderIds(region, split)));
        if (refusal != null) {
            split.callback()
                    .complete(RegionErrors.result(
                            RegionErrors.badRequest("split of region " + region.getId() + " refused: " + refusal),
                            term));
            return;
        }
        long regionId = region.getId();
        reporter.askBatchSplit(region, split.splitKeys().size(), ids -> {
            if (!router.send(regionId, new PeerMsg.SplitIds(split, ids))) {
                split.callback().complete(RegionErrors.result(RegionErrors.regionNotFound(regionId), 0));
            }
        });
    }

    public void onSplitIds(Peer peer, PeerMsg.SplitIds answer) {
        PeerMsg.SplitRegion split = answer.split();
        Pdpb.AskBatchSplitResponse ids = answer.ids();
        long term = peer.term();
        if (ids == null
                || (ids.getHeader().hasError() && ids.getHeader().getError().getType() != Pdpb.ErrorType.OK)
                || ids.getIdsCount() != split.splitKeys().size()) {
            split.callback()
                    .complete(RegionErrors.result(
                            RegionErrors.badRequest("the scheduler gave no ids for"
                                    + " splitting region " + peer.regionId()
                                    + (ids == null
                                            ? ""
                                            : ": " + ids.getHeader().getError().getMessage())),
                            term));
            return;
        }
        Metapb.Region region = peer.region();
        BatchSplitRequest splits = request(region, split, ids);
        RaftCmdRequest command = RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(region.getId())
                        .setPeer(peer.meta())
                        .setRegionEpoch(split.epoch()))
                .setAdminRequest(AdminRequest.newBuilder()
                        .setCmdType(AdminCmdType.BatchSplit)
                        .setSplits(splits))
                .build();
        peer.handleCommand(command, split.callback());
    }

    private static BatchSplitRequest request(
            Metapb.Region region, PeerMsg.SplitRegion split, Pdpb.AskBatchSplitResponse ids) {
        BatchSplitRequest.Builder b = BatchSplitRequest.newBuilder();
        for (int i = 0; i < split.splitKeys().size(); i++) {
            b.addRequests(SplitRequest.newBuilder()
                    .setSplitKey(split.splitKeys().get(i))
                    .setNewRegionId(ids.getIds(i).getNewRegionId())
                    .addAllNewPeerIds(ids.getIds(i).getNewPeerIdsList()));
        }
        return b.build();
    }

    /** Ids that pass the checks, to check the keys before asking the scheduler for real ones. */
    private static Pdpb.AskBatchSplitResponse placeholderIds(Metapb.Region region, PeerMsg.SplitRegion split) {
        Pdpb.AskBatchSplitResponse.Builder b = Pdpb.AskBatchSplitResponse.newBuilder();
        long next = Long.MAX_VALUE;
        for (int i = 0; i < split.splitKeys().size(); i++) {
            Pdpb.SplitID.Builder id = Pdpb.SplitID.newBuilder().setNewRegionId(next--);
            for (int p = 0; p < region.getPeersCount(); p++) {
                id.addNewPeerIds(next--);
            }
            b.addIds(id);
        }
        return b.build();
    }
}
