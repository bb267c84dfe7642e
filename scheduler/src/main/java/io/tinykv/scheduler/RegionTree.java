package io.tinykv.scheduler;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The regions ordered by start key, for finding the region of a key and the regions a range
 * overlaps. Holds non-overlapping ranges only: {@link #put} removes what the new region overlaps.
 * Not thread-safe; {@link ClusterMeta} owns it under its lock.
 */
final class RegionTree {

    private final NavigableMap<ByteString, RegionInfo> byStart = new TreeMap<>(Keys.ORDER);

    int size() {
        return byStart.size();
    }

    /** The region holding {@code key}, if any. */
    Optional<RegionInfo> find(ByteString key) {
        Map.Entry<ByteString, RegionInfo> floor = byStart.floorEntry(key);
        if (floor == null || !floor.getValue().contains(key)) {
            return Optional.empty();
        }
        return Optional.of(floor.getValue());
    }

    /** The regions overlapping {@code [start, end)} (empty end: plus infinity), in key order. */
    List<RegionInfo> overlapping(ByteString start, ByteString end) {
        return scan(start, end, 0);
    }

    /** Inserts {@code region}, removing and returning the regions it overlaps. */
    List<RegionInfo> put(RegionInfo region) {
        List<RegionInfo> overlaps = overlapping(region.startKey(), region.endKey());
        for (RegionInfo old : overlaps) {
            byStart.remove(old.startKey());
        }
        byStart.put(region.startKey(), region);
        return overlaps;
    }

    /** Removes {@code region} when the tree holds it (same id at its start key). */
    void remove(RegionInfo region) {
        RegionInfo held = byStart.get(region.startKey());
        if (held != null && held.id() == region.id()) {
            byStart.remove(region.startKey());
        }
    }

    /** Replaces the entry of a region whose range is unchanged (leader, size, peers). */
    void replaceSameRange(RegionInfo region) {
        RegionInfo old = byStart.get(region.startKey());
        if (old == null || old.id() != region.id() || !old.endKey().equals(region.endKey())) {
            throw new IllegalStateException("region " + region.id() + " is not in the tree with range ["
                    + Keys.hex(region.startKey()) + ", " + Keys.hex(region.endKey()) + ")");
        }
        byStart.put(region.startKey(), region);
    }

    /** The region just before the one holding {@code key} (or before {@code key}, in a gap). */
    Optional<RegionInfo> prev(ByteString key) {
        ByteString bound = find(key).map(RegionInfo::startKey).orElse(key);
        Map.Entry<ByteString, RegionInfo> lower = byStart.lowerEntry(bound);
        return Optional.ofNullable(lower).map(Map.Entry::getValue);
    }

    /** Up to {@code limit} (0: all) regions overlapping {@code [start, end)}, in key order. */
    List<RegionInfo> scan(ByteString start, ByteString end, int limit) {
        List<RegionInfo> out = new ArrayList<>();
        Map.Entry<ByteString, RegionInfo> before = byStart.lowerEntry(start);
        if (before != null && Keys.compareEnd(before.getValue().endKey(), start) > 0) {
            out.add(before.getValue());
        }
        for (RegionInfo r : byStart.tailMap(start, true).values()) {
            if ((limit > 0 && out.size() >= limit) || (!end.isEmpty() && Keys.compare(r.startKey(), end) >= 0)) {
                break;
            }
            out.add(r);
        }
        return out;
    }
}
