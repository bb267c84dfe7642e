package io.tinykv.raftstore;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;

/** Comparisons of region ranges {@code [start, end)}, where an empty end key is unbounded. */
final class RegionRanges {

    private RegionRanges() {}

    /** Whether the ranges of {@code a} and {@code b} share a key. */
    static boolean overlap(Metapb.Region a, Metapb.Region b) {
        return endsAfter(a.getEndKey(), b.getStartKey()) && endsAfter(b.getEndKey(), a.getStartKey());
    }

    /** Whether a range ending at {@code end} (exclusive; empty: unbounded) holds keys at or above {@code key}. */
    private static boolean endsAfter(ByteString end, ByteString key) {
        return end.isEmpty() || ByteString.unsignedLexicographicalComparator().compare(end, key) > 0;
    }
}
