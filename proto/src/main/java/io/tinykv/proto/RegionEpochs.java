package io.tinykv.proto;

/**
 * The rules on {@link Metapb.RegionEpoch} that more than one module applies, kept beside the message so
 * that the stores and the scheduler cannot drift apart on them.
 */
public final class RegionEpochs {

    private RegionEpochs() {}

    /**
     * Whether {@code requested} is older than {@code current}: a smaller version (splits, merges) or a
     * smaller conf version (membership changes). TinyKV's rule for an admin command a store is asked to
     * apply, and for a region heartbeat the scheduler is sent: either carries nothing newer than what is
     * known.
     */
    public static boolean isStale(Metapb.RegionEpoch requested, Metapb.RegionEpoch current) {
        return isVersionStale(requested, current) || requested.getConfVer() < current.getConfVer();
    }

    /**
     * Whether a read or write carrying {@code requested} is stale for {@code current}: a version older
     * than the region's (its range changed). A membership change leaves the range, and so the command's
     * keys, as they were.
     */
    public static boolean isVersionStale(Metapb.RegionEpoch requested, Metapb.RegionEpoch current) {
        return requested.getVersion() < current.getVersion();
    }
}
