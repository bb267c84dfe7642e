package io.tinykv.client.region;

import com.google.protobuf.ByteString;
import io.tinykv.client.Keys;
import io.tinykv.client.pd.PdClient;
import io.tinykv.proto.Metapb;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the client believes about where keys live: regions by key range (with their leaders) and store
 * addresses by store id, filled from PD on demand. Entries are dropped when a store reports that they are
 * stale, and refetched on next use.
 *
 * <p>Invariant: the cached regions never overlap; inserting a region evicts every entry it overlaps.
 * Thread-safe; PD is never called while the cache's lock is held.
 */
public final class RegionCache {
    private final PdClient pd;
    /** Regions by start key. Guarded by {@code this}. */
    private final NavigableMap<ByteString, RegionInfo> byStartKey = new TreeMap<>(Keys.ORDER);

    private final Map<Long, Metapb.Store> stores = new ConcurrentHashMap<>();

    public RegionCache(PdClient pd) {
        this.pd = pd;
    }

    /** The region containing {@code key}, from the cache or else PD; empty when PD knows none. */
    public Optional<RegionInfo> locate(ByteString key) {
        Optional<RegionInfo> cached = cachedRegionContaining(key);
        if (cached.isPresent()) {
            return cached;
        }
        Optional<RegionInfo> fetched = pd.getRegion(key).filter(region -> region.contains(key));
        fetched.ifPresent(this::put);
        return fetched;
    }

    /**
     * The region holding the keys just below {@code upper} (an exclusive bound, empty = the end of the
     * key space): the region a reverse scan reads next. PD can only be asked forwards, so on a miss this
     * scans the regions of {@code [lowerBound, upper)} and keeps them all.
     */
    public Optional<RegionInfo> locateBefore(ByteString upper, ByteString lowerBound) {
        Optional<RegionInfo> cached = cachedRegionBefore(upper);
        if (cached.isPresent()) {
            return cached;
        }
        List<RegionInfo> regions = pd.scanRegions(lowerBound, upper, 0);
        regions.forEach(this::put);
        if (regions.isEmpty()) {
            return Optional.empty();
        }
        RegionInfo last = regions.get(regions.size() - 1);
        return holdsKeysBelow(last, upper) ? Optional.of(last) : Optional.empty();
    }

    /** Caches a region a store reported (raw from the cluster), evicting every cached region it overlaps. */
    void putFromStore(Metapb.Region region, Metapb.Peer leader) {
        put(new RegionInfo(pd.fromStore(region), leader));
    }

    /** Caches a region, evicting every cached region it overlaps. */
    synchronized void put(RegionInfo region) {
        Map.Entry<ByteString, RegionInfo> before = byStartKey.lowerEntry(region.startKey());
        if (before != null
                && !Keys.belowEnd(region.startKey(), before.getValue().endKey())) {
            before = null; // ends at or before our start: no overlap
        }
        if (before != null) {
            byStartKey.remove(before.getKey());
        }
        Iterator<Map.Entry<ByteString, RegionInfo>> inside =
                byStartKey.tailMap(region.startKey(), true).entrySet().iterator();
        while (inside.hasNext() && Keys.belowEnd(inside.next().getKey(), region.endKey())) {
            inside.remove();
        }
        byStartKey.put(region.startKey(), region);
    }

    /** Forgets {@code region} if the cache still holds it at the same epoch (a newer entry stays). */
    synchronized void invalidate(RegionInfo region) {
        RegionInfo cached = byStartKey.get(region.startKey());
        if (cached != null && cached.sameVersionAs(region)) {
            byStartKey.remove(region.startKey());
        }
    }

    /** Records a new leader for {@code region} if the cache still holds it at the same epoch. */
    synchronized void updateLeader(RegionInfo region, Metapb.Peer leader) {
        RegionInfo cached = byStartKey.get(region.startKey());
        if (cached != null && cached.sameVersionAs(region)) {
            byStartKey.put(region.startKey(), cached.withLeader(leader));
        }
    }

    /** The store with this id, from the cache or else PD. */
    Metapb.Store store(long storeId) {
        Metapb.Store cached = stores.get(storeId);
        if (cached != null) {
            return cached;
        }
        Metapb.Store fetched = pd.getStore(storeId);
        stores.put(storeId, fetched);
        return fetched;
    }

    void invalidateStore(long storeId) {
        stores.remove(storeId);
    }

    /** How many regions are cached (for tests and diagnostics). */
    public synchronized int size() {
        return byStartKey.size();
    }

    private synchronized Optional<RegionInfo> cachedRegionContaining(ByteString key) {
        Map.Entry<ByteString, RegionInfo> entry = byStartKey.floorEntry(key);
        return entry != null && entry.getValue().contains(key) ? Optional.of(entry.getValue()) : Optional.empty();
    }

    private synchronized Optional<RegionInfo> cachedRegionBefore(ByteString upper) {
        Map.Entry<ByteString, RegionInfo> entry =
                upper.isEmpty() ? byStartKey.lastEntry() : byStartKey.lowerEntry(upper);
        return entry != null && holdsKeysBelow(entry.getValue(), upper)
                ? Optional.of(entry.getValue())
                : Optional.empty();
    }

    /** Whether {@code region} starts below {@code upper} and reaches up to it (the keys just below it). */
    private static boolean holdsKeysBelow(RegionInfo region, ByteString upper) {
        if (upper.isEmpty()) {
            return region.endKey().isEmpty();
        }
        return Keys.compare(region.startKey(), upper) < 0
                && (region.endKey().isEmpty() || Keys.compare(region.endKey(), upper) >= 0);
    }
}
