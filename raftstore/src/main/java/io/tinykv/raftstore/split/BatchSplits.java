package io.tinykv.raftstore.split;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.BatchSplitRequest;
import io.tinykv.proto.RaftCmdpb.SplitRequest;
import io.tinykv.raftstore.Regions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a {@code BatchSplit} does to a region, decided from the command and the region alone so
 * that every replica reaches the same result from the log.
 *
 * <p>The region keeps the leftmost piece {@code [start, key 1)}; split request {@code i} gets
 * {@code [key i, key i+1)} (the last one up to the region's end), with the given region id and one
 * new peer per peer of the region, on the same stores in the same order. Every region of the split
 * leaves it at the same epoch: the conf version unchanged, the version raised by the number of new
 * regions (as TiKV does), so that each is newer than the region before the split.
 */
public final class BatchSplits {

    private BatchSplits() {}

    /** Null when {@code request} can split {@code region}, else why not. */
    public static String check(Metapb.Region region, BatchSplitRequest request) {
        if (request.getRequestsCount() == 0) {
            return "a batch split without split keys";
        }
        if (request.getRightDerive()) {
            return "right_derive is not supported (the splitting region keeps the leftmost range)";
        }
        ByteString previous = region.getStartKey();
        Set<Long> ids = new HashSet<>();
        ids.add(region.getId());
        for (Metapb.Peer p : region.getPeersList()) {
            ids.add(p.getId());
        }
        for (int i = 0; i < request.getRequestsCount(); i++) {
            SplitRequest split = request.getRequests(i);
            ByteString key = split.getSplitKey();
            if (key.isEmpty()) {
                return "split key " + i + " is empty";
            }
            if (ByteString.unsignedLexicographicalComparator().compare(key, previous) <= 0) {
                return "split key " + Regions.describe(key) + " is not above "
                        + (i == 0 ? "the region's start key " : "the previous split key ") + Regions.describe(previous)
                        + " (split keys must be ascending and inside the region)";
            }
            if (!Regions.containsKey(region, key)) {
                return "split key " + Regions.describe(key) + " is not in region " + region.getId() + " ["
                        + Regions.describe(region.getStartKey()) + ", " + Regions.describe(region.getEndKey()) + ")";
            }
            if (split.getNewPeerIdsCount() != region.getPeersCount()) {
                return "split " + i + " has " + split.getNewPeerIdsCount() + " new peer ids for the region's "
                        + region.getPeersCount() + " peers";
            }
            if (split.getNewRegionId() == 0 || !ids.add(split.getNewRegionId())) {
                return "split " + i + " has a zero or duplicate region id " + split.getNewRegionId();
            }
            for (long peerId : split.getNewPeerIdsList()) {
                if (peerId == 0 || !ids.add(peerId)) {
                    return "split " + i + " has a zero or duplicate peer id " + peerId;
                }
            }
            previous = key;
        }
        return null;
    }

    /**
     * The regions after a split that {@link #check} accepted: the shrunken region first, then the
     * new ones in key order.
     */
    public static List<Metapb.Region> derive(Metapb.Region region, BatchSplitRequest request) {
        int newRegions = request.getRequestsCount();
        Metapb.RegionEpoch epoch = region.getRegionEpoch().toBuilder()
                .setVersion(region.getRegionEpoch().getVersion() + newRegions)
                .build();
        List<Metapb.Region> out = new ArrayList<>(newRegions + 1);
        out.add(region.toBuilder()
                .setEndKey(request.getRequests(0).getSplitKey())
                .setRegionEpoch(epoch)
                .build());
        for (int i = 0; i < newRegions; i++) {
            SplitRequest split = request.getRequests(i);
            ByteString end = i + 1 < newRegions ? request.getRequests(i + 1).getSplitKey() : region.getEndKey();
            Metapb.Region.Builder created = Metapb.Region.newBuilder()
                    .setId(split.getNewRegionId())
                    .setStartKey(split.getSplitKey())
                    .setEndKey(end)
                    .setRegionEpoch(epoch);
            for (int p = 0; p < region.getPeersCount(); p++) {
                created.addPeers(region.getPeers(p).toBuilder().setId(split.getNewPeerIds(p)));
            }
            out.add(created.build());
        }
        return out;
    }
}
