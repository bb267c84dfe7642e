package io.tinykv.server.region;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import java.util.Comparator;

/** Key-range arithmetic on regions: keys compare as unsigned bytes; an empty end key is +infinity. */
public final class RegionRanges {

    private static final Comparator<ByteString> KEYS = ByteString.unsignedLexicographicalComparator();

    private RegionRanges() {
    }

    public static int compare(ByteString a, ByteString b) {
        return KEYS.compare(a, b);
    }

    /** Whether {@code key} lies in {@code [region.start, region.end)}. */
    public static boolean contains(Metapb.Region region, ByteString key) {
        return compare(key, region.getStartKey()) >= 0
                && (region.getEndKey().isEmpty() || compare(key, region.getEndKey()) < 0);
    }

    /** Whether {@code [start, end)} (empty end = +infinity) intersects the region. */
    public static boolean overlaps(Metapb.Region region, ByteString start, ByteString end) {
        boolean startsBeforeRegionEnds = region.getEndKey().isEmpty() || compare(start, region.getEndKey()) < 0;
        boolean endsAfterRegionStarts = end.isEmpty() || compare(end, region.getStartKey()) > 0;
        return startsBeforeRegionEnds && endsAfterRegionStarts;
    }
}
