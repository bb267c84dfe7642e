package io.tinykv.server.gc;

import io.tinykv.proto.Metapb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engine;
import io.tinykv.storage.Keys;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the disk back after MVCC GC. GC removes versions with deletes, and a delete in RocksDB
 * only adds a tombstone: the old version stays on disk (and the tombstone with it) until a
 * compaction of its range reaches the bottommost level. This compacts a region's range in the
 * {@code write} and {@code default} column families once enough of it was removed since the last
 * compaction, counted two ways:
 *
 * <ul>
 *   <li>records this store's GC removed as the region's leader (known at once, even while the
 *       deletes still sit in the memtable, which the compaction flushes first);
 *   <li>tombstones in the SST files over the range beyond those left after the last compaction:
 *       how a follower, which applies the leader's GC deletes through Raft, sees them.
 * </ul>
 *
 * <p>Compactions run on the GC thread, one at a time, after the region's GC pass (never on the
 * Raft thread); {@code min-tombstones} keeps them from running for a handful of deletes. Owned by
 * that one thread.
 */
final class GcCompactor {

    private static final Logger LOG = LoggerFactory.getLogger(GcCompactor.class);

    private final Engine kv;
    private final long minTombstones;
    private final Map<Long, Long> removedSinceCompaction = new HashMap<>();
    /** The write column family's SST tombstones over a region's range just after its last compaction. */
    private final Map<Long, Long> sstTombstonesAfterCompaction = new HashMap<>();

    private volatile long compactions;

    GcCompactor(Engine kv, long minTombstones) {
        this.kv = kv;
        this.minTombstones = minTombstones;
    }

    /** This store's GC, as leader, removed {@code records} commit records of the region. */
    void removed(long regionId, long records) {
        if (records > 0) {
            removedSinceCompaction.merge(regionId, records, Long::sum);
        }
    }

    /**
     * Compacts the region's range if enough of it was removed since its last compaction.
     *
     * @return whether it compacted
     * @throws io.tinykv.storage.StorageException when RocksDB fails the compaction
     */
    boolean maybeCompact(Metapb.Region region) {
        long regionId = region.getId();
        byte[] start = Keys.dataKey(region.getStartKey().toByteArray());
        byte[] end = Keys.dataEndKey(region.getEndKey().toByteArray());
        long removedHere = removedSinceCompaction.getOrDefault(regionId, 0L);
        long newTombstones =
                kv.sstDeletions(Cf.WRITE, start, end) - sstTombstonesAfterCompaction.getOrDefault(regionId, 0L);
        if (Math.max(removedHere, newTombstones) < minTombstones) {
            return false;
        }
        long bytesBefore = sstBytes(start, end);
        kv.compactRange(Cf.WRITE, start, end);
        kv.compactRange(Cf.DEFAULT, start, end);
        removedSinceCompaction.remove(regionId);
        sstTombstonesAfterCompaction.put(regionId, kv.sstDeletions(Cf.WRITE, start, end));
        compactions++;
        LOG.info(
                "region {}: compacted after GC ({} records removed here, {} new tombstones): {} -> {} SST bytes",
                regionId,
                removedHere,
                newTombstones,
                bytesBefore,
                sstBytes(start, end));
        return true;
    }

    /** Drops what it remembers of regions no longer on this store (merged away, moved, split off). */
    void retainOnly(Collection<Long> regionIds) {
        Set<Long> live = Set.copyOf(regionIds);
        removedSinceCompaction.keySet().retainAll(live);
        sstTombstonesAfterCompaction.keySet().retainAll(live);
    }

    /** Compactions so far. */
    long compactions() {
        return compactions;
    }

    private long sstBytes(byte[] start, byte[] end) {
        return kv.sstBytes(Cf.WRITE, start, end) + kv.sstBytes(Cf.DEFAULT, start, end);
    }
}
