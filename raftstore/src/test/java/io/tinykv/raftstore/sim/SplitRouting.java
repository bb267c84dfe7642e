package io.tinykv.raftstore.sim;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.RaftStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The simulator's view of a multi-region cluster, as a perfectly informed scheduler would have it:
 * every region as its newest replica knows it (highest epoch), and its leader (the up store leading
 * it at the highest term). Clients route by it the way a TiKV client routes by its region cache.
 */
final class SplitRouting {

    /** A region and the store leading it (0: none known). */
    record Route(Metapb.Region region, long leaderStore) {}

    private SplitRouting() {}

    /** The newest view of every region held by some up store, by region id. */
    static Map<Long, Route> regions(SimCluster cluster) {
        Map<Long, Metapb.Region> newest = new TreeMap<>();
        Map<Long, long[]> leaders = new TreeMap<>(); // region id -> {store, term}
        for (long storeId : cluster.storeIds()) {
            SimStore store = cluster.store(storeId);
            if (!store.isUp()) {
                continue;
            }
            RaftStore raftStore = store.raftStore();
            for (long regionId : raftStore.regionIds()) {
                RaftStore.RegionStatus status = raftStore.regionStatus(regionId);
                if (status == null || status.region().getPeersCount() == 0) {
                    continue;
                }
                newest.merge(regionId, status.region(), (a, b) -> newer(a, b) ? a : b);
                if (status.leader()) {
                    long[] best = leaders.get(regionId);
                    if (best == null || status.term() > best[1]) {
                        leaders.put(regionId, new long[] {storeId, status.term()});
                    }
                }
            }
        }
        Map<Long, Route> out = new TreeMap<>();
        for (var e : newest.entrySet()) {
            long[] leader = leaders.get(e.getKey());
            out.put(e.getKey(), new Route(e.getValue(), leader == null ? 0 : leader[0]));
        }
        return out;
    }

    /**
     * The newest region holding {@code key}; among overlapping views (a split not applied
     * everywhere yet) the highest version wins. Null when no up store holds it.
     */
    static Route route(SimCluster cluster, ByteString key) {
        Route best = null;
        for (Route r : regions(cluster).values()) {
            if (contains(r.region(), key)
                    && (best == null
                            || r.region().getRegionEpoch().getVersion()
                                    > best.region().getRegionEpoch().getVersion())) {
                best = r;
            }
        }
        return best;
    }

    /** The regions that cover the key space now, without overlaps (the newest views win). */
    static List<Route> currentRegions(SimCluster cluster) {
        List<Route> all = new ArrayList<>(regions(cluster).values());
        List<Route> current = new ArrayList<>();
        for (Route r : all) {
            boolean superseded = all.stream()
                    .anyMatch(o -> o != r
                            && overlaps(o.region(), r.region())
                            && o.region().getRegionEpoch().getVersion()
                                    > r.region().getRegionEpoch().getVersion());
            if (!superseded) {
                current.add(r);
            }
        }
        current.sort((a, b) -> ByteString.unsignedLexicographicalComparator()
                .compare(a.region().getStartKey(), b.region().getStartKey()));
        return current;
    }

    static boolean contains(Metapb.Region region, ByteString key) {
        var cmp = ByteString.unsignedLexicographicalComparator();
        return cmp.compare(key, region.getStartKey()) >= 0
                && (region.getEndKey().isEmpty() || cmp.compare(key, region.getEndKey()) < 0);
    }

    static boolean overlaps(Metapb.Region a, Metapb.Region b) {
        var cmp = ByteString.unsignedLexicographicalComparator();
        boolean aEndsAfterB = a.getEndKey().isEmpty() || cmp.compare(a.getEndKey(), b.getStartKey()) > 0;
        boolean bEndsAfterA = b.getEndKey().isEmpty() || cmp.compare(b.getEndKey(), a.getStartKey()) > 0;
        return aEndsAfterB && bEndsAfterA;
    }

    private static boolean newer(Metapb.Region a, Metapb.Region b) {
        Metapb.RegionEpoch ea = a.getRegionEpoch();
        Metapb.RegionEpoch eb = b.getRegionEpoch();
        return ea.getVersion() > eb.getVersion()
                || (ea.getVersion() == eb.getVersion() && ea.getConfVer() >= eb.getConfVer());
    }
}
