package io.tinykv.scheduler;

/**
 * Bounds on {@code AskBatchSplit}, which hands out {@code split_count × (peers + 1)} fresh ids in
 * one call: without them one request could make the scheduler allocate (and persist) ids for as long
 * as it likes.
 *
 * @param maxSplitCount new regions per request. A store asks for one per split key its split
 *     check found (region-max-size / region-split-size pieces, about 1.5 by default) or per key
 *     of a SplitRegion call; far below this
 * @param maxPeersPerRegion peers of the region being split: a region has at most max-replicas
 *     voters, plus learners and a peer being added while another is removed
 */
record SplitLimits(int maxSplitCount, int maxPeersPerRegion) {

    static final SplitLimits DEFAULTS = new SplitLimits(1_024, 2 * SchedulerConfig.MAX_MAX_REPLICAS);

    SplitLimits {
        if (maxSplitCount < 1 || maxPeersPerRegion < 1) {
            throw new IllegalArgumentException(
                    "split limits must be >= 1 (got " + maxSplitCount + ", " + maxPeersPerRegion + ")");
        }
    }

    /** @throws SchedulerException naming the limit a request exceeds */
    void check(long splitCount, int peers) {
        if (splitCount <= 0) {
            throw SchedulerException.invalid("ask batch split: split_count must be > 0");
        }
        if (splitCount > maxSplitCount) {
            throw SchedulerException.invalid(
                    "ask batch split: split_count " + splitCount + " is over the limit of " + maxSplitCount);
        }
        if (peers == 0) {
            throw SchedulerException.invalid("ask batch split: the region has no peers");
        }
        if (peers > maxPeersPerRegion) {
            throw SchedulerException.invalid(
                    "ask batch split: " + peers + " peers is over the limit of " + maxPeersPerRegion + " per region");
        }
    }
}
