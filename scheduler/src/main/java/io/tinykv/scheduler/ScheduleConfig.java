package io.tinykv.scheduler;

import java.time.Duration;

/**
 * How the scheduler balances and scatters (PD's {@code [schedule]} section). Validated on
 * construction: a bad value fails with a message naming the setting.
 *
 * @param balanceInterval how often the balance schedulers (leaders, then regions) each look for one
 *     operator to create; zero turns both off
 * @param leaderScheduleLimit how many balance-leader operators may be in flight per store (as source
 *     or target)
 * @param regionScheduleLimit how many peer-moving operators (balance-region, scatter, replica repair)
 *     may be in flight per store before balance-region adds another there; snapshots are costly
 * @param leaderTolerance how many more leaders than another the busiest store may hold before a
 *     leader moves; at least 1, so that a move never just swaps which store is the busier one
 * @param regionToleranceRatio the share of the mean store size by which two stores must differ
 *     (besides TinyKV's twice the region's size) before a region moves; keeps a balanced cluster
 *     still while region sizes drift with writes
 * @param scatterSplitRegions whether regions fresh from a split are scattered (replicas and leader
 *     spread over the stores) as soon as the scheduler hears of them
 * @param scatterMemory how long a scatter's placement counts towards the evenness of later scatters
 * @param patrolRegionBatch how many regions the replica checker's patrol looks at per scheduling round
 *     ({@link RegionPatrol}); N regions are all looked at within ceil(N / batch) rounds, and a round's
 *     work stays bounded however many regions there are
 */
public record ScheduleConfig(
        Duration balanceInterval,
        int leaderScheduleLimit,
        int regionScheduleLimit,
        int leaderTolerance,
        double regionToleranceRatio,
        boolean scatterSplitRegions,
        Duration scatterMemory,
        int patrolRegionBatch) {

    public static final Duration DEFAULT_BALANCE_INTERVAL = Duration.ofSeconds(1);
    public static final int DEFAULT_LEADER_SCHEDULE_LIMIT = 4;
    public static final int DEFAULT_REGION_SCHEDULE_LIMIT = 2;
    public static final int DEFAULT_LEADER_TOLERANCE = 1;
    public static final double DEFAULT_REGION_TOLERANCE_RATIO = 0.05;
    public static final boolean DEFAULT_SCATTER_SPLIT_REGIONS = true;
    public static final Duration DEFAULT_SCATTER_MEMORY = Duration.ofMinutes(10);
    /**
     * PD's patrol batch ({@code patrolScanRegionLimit}, 128 regions per patrol step). One round a
     * second then covers 7,680 regions a minute, the interval at which a leader heartbeats an
     * unchanged region anyway; a larger cluster wants a larger batch.
     */
    public static final int DEFAULT_PATROL_REGION_BATCH = 128;

    public ScheduleConfig {
        if (balanceInterval == null || balanceInterval.isNegative()) {
            throw new IllegalArgumentException(
                    "balance-interval must be zero (off) or positive (got " + balanceInterval + ")");
        }
        if (leaderScheduleLimit < 1) {
            throw new IllegalArgumentException("leader-schedule-limit must be >= 1 (got " + leaderScheduleLimit + ")");
        }
        if (regionScheduleLimit < 1) {
            throw new IllegalArgumentException("region-schedule-limit must be >= 1 (got " + regionScheduleLimit + ")");
        }
        if (leaderTolerance < 1) {
            throw new IllegalArgumentException("leader-tolerance must be >= 1, or leaders would move back and forth "
                    + "(got " + leaderTolerance + ")");
        }
        if (!(regionToleranceRatio >= 0 && regionToleranceRatio < 1)) {
            throw new IllegalArgumentException(
                    "region-tolerance-ratio must be in [0, 1) (got " + regionToleranceRatio + ")");
        }
        if (scatterMemory == null || scatterMemory.isNegative() || scatterMemory.isZero()) {
            throw new IllegalArgumentException(
                    "scatter-memory must be a positive duration (got " + scatterMemory + ")");
        }
        if (patrolRegionBatch < 1) {
            throw new IllegalArgumentException("patrol-region-batch must be >= 1 region per scheduling round, or "
                    + "regions heard from only long ago would never get their missing replicas (got "
                    + patrolRegionBatch + ")");
        }
    }

    public static ScheduleConfig defaults() {
        return new ScheduleConfig(
                DEFAULT_BALANCE_INTERVAL,
                DEFAULT_LEADER_SCHEDULE_LIMIT,
                DEFAULT_REGION_SCHEDULE_LIMIT,
                DEFAULT_LEADER_TOLERANCE,
                DEFAULT_REGION_TOLERANCE_RATIO,
                DEFAULT_SCATTER_SPLIT_REGIONS,
                DEFAULT_SCATTER_MEMORY,
                DEFAULT_PATROL_REGION_BATCH);
    }

    /** Whether the balance schedulers run. */
    public boolean balances() {
        return !balanceInterval.isZero();
    }

    public ScheduleConfig withBalanceInterval(Duration value) {
        return new ScheduleConfig(
                value,
                leaderScheduleLimit,
                regionScheduleLimit,
                leaderTolerance,
                regionToleranceRatio,
                scatterSplitRegions,
                scatterMemory,
                patrolRegionBatch);
    }

    public ScheduleConfig withLimits(int leaders, int regions) {
        return new ScheduleConfig(
                balanceInterval,
                leaders,
                regions,
                leaderTolerance,
                regionToleranceRatio,
                scatterSplitRegions,
                scatterMemory,
                patrolRegionBatch);
    }

    public ScheduleConfig withLeaderTolerance(int value) {
        return new ScheduleConfig(
                balanceInterval,
                leaderScheduleLimit,
                regionScheduleLimit,
                value,
                regionToleranceRatio,
                scatterSplitRegions,
                scatterMemory,
                patrolRegionBatch);
    }

    public ScheduleConfig withRegionToleranceRatio(double value) {
        return new ScheduleConfig(
                balanceInterval,
                leaderScheduleLimit,
                regionScheduleLimit,
                leaderTolerance,
                value,
                scatterSplitRegions,
                scatterMemory,
                patrolRegionBatch);
    }

    public ScheduleConfig withScatterSplitRegions(boolean value) {
        return new ScheduleConfig(
                balanceInterval,
                leaderScheduleLimit,
                regionScheduleLimit,
                leaderTolerance,
                regionToleranceRatio,
                value,
                scatterMemory,
                patrolRegionBatch);
    }

    public ScheduleConfig withPatrolRegionBatch(int value) {
        return new ScheduleConfig(
                balanceInterval,
                leaderScheduleLimit,
                regionScheduleLimit,
                leaderTolerance,
                regionToleranceRatio,
                scatterSplitRegions,
                scatterMemory,
                value);
    }
}
