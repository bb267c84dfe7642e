package io.tinykv.server.gc;

/**
 * The {@code [gc]} section of a store: how its GC worker runs (TiKV's names where it has them).
 *
 * @param runIntervalMillis run-interval: how often the worker reports this store's oldest lock,
 *     learns the safe point and collects the regions this store leads; keep it well below the
 *     scheduler's gc-life-time, since the report is what keeps the safe point below running
 *     transactions' locks
 * @param batchKeys batch-keys: keys collected per Raft write
 * @param maxRecordsPerKey max-records-per-key: commit records of one key looked at per write
 * @param maxRecordsPerSecond max-write-records-per-sec: the worker's rate limit on removed records
 *     (0: unlimited)
 * @param compactMinTombstones region-compact-min-tombstones: once this many records of a region
 *     were removed on this store since its range was last compacted (by this store's GC as leader,
 *     or seen as tombstones in the range's SST files, as a follower sees them), the worker compacts
 *     the range's write and default column families so the disk shrinks; deletes alone only add
 *     tombstones (TiKV's setting of this name, default 10 000)
 */
public record StoreGcConfig(
        long runIntervalMillis,
        int batchKeys,
        int maxRecordsPerKey,
        long maxRecordsPerSecond,
        long compactMinTombstones) {

    public static final long DEFAULT_RUN_INTERVAL_MILLIS = 10_000;
    public static final int DEFAULT_BATCH_KEYS = 512;
    public static final int DEFAULT_MAX_RECORDS_PER_KEY = 1_024;
    public static final long DEFAULT_MAX_RECORDS_PER_SECOND = 50_000;
    public static final long DEFAULT_COMPACT_MIN_TOMBSTONES = 10_000;

    public StoreGcConfig {
        if (runIntervalMillis <= 0) {
            throw new IllegalArgumentException("gc.run-interval must be positive, got " + runIntervalMillis + " ms");
        }
        if (batchKeys < 1) {
            throw new IllegalArgumentException("gc.batch-keys must be >= 1, got " + batchKeys);
        }
        if (maxRecordsPerKey < 2) {
            throw new IllegalArgumentException("gc.max-records-per-key must be >= 2, got " + maxRecordsPerKey);
        }
        if (maxRecordsPerSecond < 0) {
            throw new IllegalArgumentException("gc.max-write-records-per-sec must be >= 0, got " + maxRecordsPerSecond);
        }
        if (compactMinTombstones < 1) {
            throw new IllegalArgumentException(
                    "gc.region-compact-min-tombstones must be >= 1, got " + compactMinTombstones);
        }
    }

    public static StoreGcConfig defaults() {
        return new StoreGcConfig(
                DEFAULT_RUN_INTERVAL_MILLIS,
                DEFAULT_BATCH_KEYS,
                DEFAULT_MAX_RECORDS_PER_KEY,
                DEFAULT_MAX_RECORDS_PER_SECOND,
                DEFAULT_COMPACT_MIN_TOMBSTONES);
    }

    public StoreGcConfig withRunIntervalMillis(long value) {
        return new StoreGcConfig(value, batchKeys, maxRecordsPerKey, maxRecordsPerSecond, compactMinTombstones);
    }

    public StoreGcConfig withCompactMinTombstones(long value) {
        return new StoreGcConfig(runIntervalMillis, batchKeys, maxRecordsPerKey, maxRecordsPerSecond, value);
    }
}
