package io.tinykv.raftstore.read;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.RegionErrors;
import io.tinykv.raftstore.Regions;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.StorageReader;
import io.tinykv.storage.UserKeyReader;

/**
 * A kv-engine snapshot seen through one region: only the region's keys exist. A get outside the
 * region is a {@link RegionException} with KeyNotInRegion (the client routed by a stale view);
 * iterators stop at the region's edges, so a scan never shows another region's data.
 */
public final class RegionReader implements StorageReader {

    private final UserKeyReader reader;
    private final Metapb.Region region;
    private final long leaderTerm;

    /** Takes ownership of {@code reader}; a snapshot not known to come from a leader (term 0). */
    RegionReader(UserKeyReader reader, Metapb.Region region) {
        this(reader, region, 0);
    }

    /**
     * Takes ownership of {@code reader}.
     *
     * @param leaderTerm the term in which this peer, as the region's leader, took the snapshot; 0
     *     for a follower's snapshot
     */
    public RegionReader(UserKeyReader reader, Metapb.Region region, long leaderTerm) {
        this.reader = reader;
        this.region = region;
        this.leaderTerm = leaderTerm;
    }

    @Override
    public long leaderTerm() {
        return leaderTerm;
    }

    Metapb.Region region() {
        return region;
    }

    @Override
    public byte[] get(Cf cf, byte[] key) {
        ByteString k = ByteString.copyFrom(key);
        if (!Regions.containsKey(region, k)) {
            throw new RegionException(RegionErrors.keyNotInRegion(k, region));
        }
        return reader.get(cf, key);
    }

    /** An iterator over the region's keys of {@code cf}. */
    @Override
    public KvIterator iterator(Cf cf) {
        return reader.iterator(
                cf, region.getStartKey().toByteArray(), region.getEndKey().toByteArray());
    }

    @Override
    public void close() {
        reader.close();
    }
}
