package io.tinykv.client.region;

import com.google.protobuf.ByteString;
import io.tinykv.client.Keys;
import io.tinykv.proto.Metapb;
import java.util.Objects;

/**
 * A region as the client knows it: its metadata (range, epoch, peers) and the peer believed to lead it.
 *
 * @param region the region's metadata
 * @param leader the leader peer; the default instance (id 0) when no leader is known
 */
public record RegionInfo(Metapb.Region region, Metapb.Peer leader) {
    public RegionInfo {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(leader, "leader");
    }

    public long id() {
        return region.getId();
    }

    public ByteString startKey() {
        return region.getStartKey();
    }

    /** Exclusive; empty means the region reaches to the end of the key space. */
    public ByteString endKey() {
        return region.getEndKey();
    }

    public boolean hasLeader() {
        return leader.getId() != 0;
    }

    public boolean contains(ByteString key) {
        return Keys.compare(key, startKey()) >= 0 && Keys.belowEnd(key, endKey());
    }

    /** Whether this is the same region at the same epoch as {@code other}. */
    boolean sameVersionAs(RegionInfo other) {
        return id() == other.id() && region.getRegionEpoch().equals(other.region.getRegionEpoch());
    }

    RegionInfo withLeader(Metapb.Peer newLeader) {
        return new RegionInfo(region, newLeader);
    }

    @Override
    public String toString() {
        return "region " + id() + " [" + Keys.describe(startKey()) + ", "
                + (endKey().isEmpty() ? "+inf" : Keys.describe(endKey())) + ") epoch "
                + region.getRegionEpoch().getConfVer() + "/"
                + region.getRegionEpoch().getVersion()
                + (hasLeader() ? " leader peer " + leader.getId() + "@store " + leader.getStoreId() : " no leader");
    }
}
