package io.tinykv.raftstore.split;

/**
 * When a region is split, with TiKV's names (its {@code [coprocessor]} section): a region larger
 * than {@code regionMaxSizeBytes} or holding more than {@code regionMaxKeys} keys is cut into pieces
 * of about {@code regionSplitSizeBytes} / {@code regionSplitKeys}.
 *
 * @param regionMaxSizeBytes a region beyond this size is split (TiKV's region-max-size)
 * @param regionSplitSizeBytes the size of the pieces it is split into (region-split-size)
 * @param regionMaxKeys a region with more keys than this is split (region-max-keys)
 * @param regionSplitKeys the key count of the pieces (region-split-keys)
 * @param splitCheckTicks Raft ticks between a leader's checks of its region (a region within the
 *     thresholds that took no write since its last check is not measured again; one found beyond
 *     them is measured every time until it is split: {@code SplitCheckState})
 */
public record SplitCheckConfig(
        long regionMaxSizeBytes,
        long regionSplitSizeBytes,
        long regionMaxKeys,
        long regionSplitKeys,
        int splitCheckTicks) {

    private static final long MIB = 1024L * 1024;
    /** TiKV's defaults. */
    static final long DEFAULT_REGION_MAX_SIZE_BYTES = 144 * MIB;

    static final long DEFAULT_REGION_SPLIT_SIZE_BYTES = 96 * MIB;
    static final long DEFAULT_REGION_MAX_KEYS = 1_440_000;
    static final long DEFAULT_REGION_SPLIT_KEYS = 960_000;
    /** TiKV checks every 10 s; at the default 100 ms tick that is 100 ticks. */
    static final int DEFAULT_SPLIT_CHECK_TICKS = 100;

    public SplitCheckConfig {
        if (regionSplitSizeBytes <= 0 || regionSplitSizeBytes > regionMaxSizeBytes) {
            throw new IllegalArgumentException("region-split-size must be > 0 and at most region-max-size ("
                    + regionMaxSizeBytes + " bytes), got " + regionSplitSizeBytes + " bytes");
        }
        if (regionSplitKeys <= 0 || regionSplitKeys > regionMaxKeys) {
            throw new IllegalArgumentException("region-split-keys must be > 0 and at most region-max-keys ("
                    + regionMaxKeys + "), got " + regionSplitKeys);
        }
        if (splitCheckTicks <= 0) {
            throw new IllegalArgumentException("splitCheckTicks must be > 0, got " + splitCheckTicks);
        }
    }

    public static SplitCheckConfig defaults() {
        return new SplitCheckConfig(
                DEFAULT_REGION_MAX_SIZE_BYTES,
                DEFAULT_REGION_SPLIT_SIZE_BYTES,
                DEFAULT_REGION_MAX_KEYS,
                DEFAULT_REGION_SPLIT_KEYS,
                DEFAULT_SPLIT_CHECK_TICKS);
    }

    public SplitCheckConfig withSizes(long maxSizeBytes, long splitSizeBytes) {
        return new SplitCheckConfig(maxSizeBytes, splitSizeBytes, regionMaxKeys, regionSplitKeys, splitCheckTicks);
    }

    public SplitCheckConfig withKeys(long maxKeys, long splitKeys) {
        return new SplitCheckConfig(regionMaxSizeBytes, regionSplitSizeBytes, maxKeys, splitKeys, splitCheckTicks);
    }

    public SplitCheckConfig withSplitCheckTicks(int ticks) {
        return new SplitCheckConfig(regionMaxSizeBytes, regionSplitSizeBytes, regionMaxKeys, regionSplitKeys, ticks);
    }
}
