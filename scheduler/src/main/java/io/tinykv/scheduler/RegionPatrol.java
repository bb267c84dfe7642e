package io.tinykv.scheduler;

import com.google.protobuf.ByteString;
import java.util.List;

/**
 * Where the replica checker's patrol is (PD's {@code patrolRegions}): it walks the regions in key
 * order, at most {@code batch} of them per step, each step resuming at the end key of the last region
 * the previous one returned, and starts over from the first region once it has returned the last
 * (the one reaching the end of the key space). A step costs O(batch + log regions), so a scheduling
 * round stays cheap with hundreds of thousands of regions, and N regions are all returned within
 * ceil(N / batch) steps. Regions that split, merge or appear between steps are picked up where
 * their keys fall. Not thread-safe: the {@link Coordinator} calls it under its lock.
 */
final class RegionPatrol {

    private final ClusterMeta cluster;
    private final int batch;
    /** Where the next step starts: the end key of the last region returned; empty: the first region. */
    private ByteString cursor = ByteString.EMPTY;

    RegionPatrol(ClusterMeta cluster, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("a patrol step takes at least one region (got " + batch + ")");
        }
        this.cluster = cluster;
        this.batch = batch;
    }

    /** The next at most {@code batch} regions, in key order; empty only when there are none. */
    List<RegionInfo> next() {
        List<RegionInfo> regions = cluster.scanRegions(cursor, ByteString.EMPTY, batch);
        if (regions.isEmpty() && !cursor.isEmpty()) {
            // Nothing at or after the cursor any more (the last regions merged away): start over now
            // rather than spend a round on nothing.
            cursor = ByteString.EMPTY;
            regions = cluster.scanRegions(cursor, ByteString.EMPTY, batch);
        }
        if (!regions.isEmpty()) {
            cursor = regions.get(regions.size() - 1).endKey();
        }
        return regions;
    }
}
