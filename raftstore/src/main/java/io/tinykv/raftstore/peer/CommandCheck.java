package io.tinykv.raftstore.peer;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.proto.RegionEpochs;
import io.tinykv.raftstore.CmdRequests;
import io.tinykv.raftstore.RegionErrors;
import io.tinykv.raftstore.Regions;
import java.util.List;

/**
 * Decides whether a command may be proposed to this region, and the region error if not: the store
 * it was sent to, leadership, the term and epoch it was routed with, each request's column family
 * and key range. Every refusal is one a client handles by refreshing its route and retrying (or, for
 * a bad request, by giving up). The peer gathers where it stands ({@link Replica}) and answers.
 */
final class CommandCheck {

    private CommandCheck() {}

    /**
     * Where the replica stands as a command reaches it: its store, its region (id and as it knows it
     * now), whether it leads, the leader it knows, its term, and the regions its last split cut off
     * (told to a client whose epoch is older, so that it learns the new regions at once).
     */
    record Replica(
            long storeId,
            long regionId,
            Metapb.Region region,
            boolean leader,
            long leaderId,
            long term,
            List<Metapb.Region> splitOff) {}

    /**
     * Store, leadership (when {@code requireLeader}), term, epoch and key range; null when the
     * command may go ahead.
     */
    static Errorpb.Error refusal(RaftCmdRequest request, Replica replica, boolean requireLeader) {
        var header = request.getHeader();
        if (header.hasPeer() && header.getPeer().getStoreId() != replica.storeId()) {
            return RegionErrors.storeNotMatch(header.getPeer().getStoreId(), replica.storeId());
        }
        if (requireLeader && !replica.leader()) {
            return notLeader(replica.regionId(), replica.region(), replica.leaderId());
        }
        long term = replica.term();
        // A client that saw term T may talk to the leader of T + 1 (it just learned about it), but
        // a command older than that was routed with a view too stale to trust.
        if (header.getTerm() != 0 && term > header.getTerm() + 1) {
            return RegionErrors.staleCommand(
                    "the command was routed at term " + header.getTerm() + ", the region is at term " + term);
        }
        Metapb.Region region = replica.region();
        if (RegionEpochs.isVersionStale(header.getRegionEpoch(), region.getRegionEpoch())) {
            return RegionErrors.epochNotMatch(header.getRegionEpoch(), region, replica.splitOff());
        }
        for (Request r : request.getRequestsList()) {
            String cfError = CmdRequests.checkCf(r);
            if (cfError != null) {
                return RegionErrors.badRequest(cfError);
            }
            ByteString key = CmdRequests.keyOf(r);
            if (key != null && !Regions.containsKey(region, key)) {
                return RegionErrors.keyNotInRegion(key, region);
            }
        }
        return null;
    }

    /** NotLeader for {@code region}, naming the leader {@code leaderId} when the region lists it. */
    static Errorpb.Error notLeader(long regionId, Metapb.Region region, long leaderId) {
        return RegionErrors.notLeader(regionId, Regions.findPeer(region, leaderId));
    }
}
