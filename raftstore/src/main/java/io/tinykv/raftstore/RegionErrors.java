package io.tinykv.raftstore;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.RaftCmdResponse;
import io.tinykv.proto.RaftCmdpb.RaftResponseHeader;

/** Builders for the region errors of DESIGN.md §7 and the responses that carry them. */
public final class RegionErrors {

    private RegionErrors() {}

    public static Errorpb.Error notLeader(long regionId, Metapb.Peer leader) {
        Errorpb.NotLeader.Builder notLeader = Errorpb.NotLeader.newBuilder().setRegionId(regionId);
        if (leader != null) {
            notLeader.setLeader(leader);
        }
        return Errorpb.Error.newBuilder()
                .setMessage("peer of region " + regionId + " is not leader"
                        + (leader == null
                                ? " (leader unknown)"
                                : " (leader is peer " + leader.getId() + " on store " + leader.getStoreId() + ")"))
                .setNotLeader(notLeader)
                .build();
    }

    public static Errorpb.Error regionNotFound(long regionId) {
        return Errorpb.Error.newBuilder()
                .setMessage("region " + regionId + " is not found on this store")
                .setRegionNotFound(Errorpb.RegionNotFound.newBuilder().setRegionId(regionId))
                .build();
    }

    public static Errorpb.Error storeNotMatch(long requestStoreId, long actualStoreId) {
        return Errorpb.Error.newBuilder()
                .setMessage("request is for store " + requestStoreId + " but this is store " + actualStoreId)
                .setStoreNotMatch(Errorpb.StoreNotMatch.newBuilder()
                        .setRequestStoreId(requestStoreId)
                        .setActualStoreId(actualStoreId))
                .build();
    }

    public static Errorpb.Error keyNotInRegion(ByteString key, Metapb.Region region) {
        return Errorpb.Error.newBuilder()
                .setMessage("key " + Regions.describe(key) + " is not in region " + region.getId()
                        + " [" + Regions.describe(region.getStartKey()) + ", "
                        + Regions.describe(region.getEndKey()) + ")")
                .setKeyNotInRegion(Errorpb.KeyNotInRegion.newBuilder()
                        .setKey(key)
                        .setRegionId(region.getId())
                        .setStartKey(region.getStartKey())
                        .setEndKey(region.getEndKey()))
                .build();
    }

    public static Errorpb.Error epochNotMatch(Metapb.RegionEpoch requested, Metapb.Region current) {
        return epochNotMatch(requested, current, java.util.List.of());
    }

    /**
     * EpochNotMatch carrying the region and, after a split, the regions split off it (as TiKV
     * attaches its sibling), so that a client learns the new ranges without asking the scheduler.
     */
    public static Errorpb.Error epochNotMatch(
            Metapb.RegionEpoch requested, Metapb.Region current, java.util.List<Metapb.Region> splitOff) {
        Errorpb.EpochNotMatch.Builder error = Errorpb.EpochNotMatch.newBuilder().addCurrentRegions(current);
        splitOff.forEach(error::addCurrentRegions);
        return Errorpb.Error.newBuilder()
                .setMessage("epoch of region " + current.getId() + " does not match: request has "
                        + Regions.describe(requested) + ", region has " + Regions.describe(current.getRegionEpoch()))
                .setEpochNotMatch(error)
                .build();
    }

    public static Errorpb.Error staleCommand(String why) {
        return Errorpb.Error.newBuilder()
                .setMessage("stale command: " + why)
                .setStaleCommand(Errorpb.StaleCommand.getDefaultInstance())
                .build();
    }

    public static Errorpb.Error entryTooLarge(long regionId, long entrySizeBytes, long limitBytes) {
        return Errorpb.Error.newBuilder()
                .setMessage("raft entry of " + entrySizeBytes + " bytes exceeds the limit of " + limitBytes + " bytes")
                .setRaftEntryTooLarge(Errorpb.RaftEntryTooLarge.newBuilder()
                        .setRegionId(regionId)
                        .setEntrySize(entrySizeBytes))
                .build();
    }

    /** Raft refused the proposal for now (a conf change or leader transfer pending, ...): retry later. */
    public static Errorpb.Error proposalDropped(String why) {
        return Errorpb.Error.newBuilder()
                .setMessage("proposal dropped: " + why)
                .setServerIsBusy(Errorpb.ServerIsBusy.newBuilder().setReason(why))
                .build();
    }

    /**
     * The region's mailbox holds {@code capacity} commands waiting for the Raft thread already:
     * this one was not queued (TiKV answers the same when a peer's mailbox is full).
     */
    static Errorpb.Error mailboxFull(long regionId, int capacity) {
        String reason = "region " + regionId + " has " + capacity + " commands waiting for Raft already "
                + "(raftstore.notify-capacity)";
        return Errorpb.Error.newBuilder()
                .setMessage("server is busy: " + reason)
                .setServerIsBusy(Errorpb.ServerIsBusy.newBuilder().setReason(reason))
                .build();
    }

    public static Errorpb.Error badRequest(String why) {
        return Errorpb.Error.newBuilder().setMessage("bad request: " + why).build();
    }

    public static RaftCmdResponse response(Errorpb.Error error, long currentTerm) {
        return RaftCmdResponse.newBuilder()
                .setHeader(RaftResponseHeader.newBuilder().setError(error).setCurrentTerm(currentTerm))
                .build();
    }

    public static CmdResult result(Errorpb.Error error, long currentTerm) {
        return CmdResult.of(response(error, currentTerm));
    }
}
