package io.tinykv.bench.driver;

import java.util.List;

/**
 * Everything one measured run produced.
 *
 * @param target the system measured
 * @param config the run's shape
 * @param load the load phase, or {@link LoadResult#SKIPPED}
 * @param measuredSeconds the measured phase's length (warm-up excluded)
 * @param operations successful operations in the measured phase
 * @param errors failed operations in the measured phase
 * @param readsNotFound reads that found no value (none are expected after a load)
 * @param all latency of every successful operation
 * @param reads latency of reads
 * @param updates latency of updates
 * @param intervals the time series, one entry per report interval
 * @param errorSamples the first few distinct error messages, to say what went wrong
 */
public record RunResult(
        String target,
        DriverConfig config,
        LoadResult load,
        double measuredSeconds,
        long operations,
        long errors,
        long readsNotFound,
        LatencySummary all,
        LatencySummary reads,
        LatencySummary updates,
        List<IntervalStats> intervals,
        List<String> errorSamples) {

    public RunResult {
        intervals = List.copyOf(intervals);
        errorSamples = List.copyOf(errorSamples);
    }

    public double opsPerSecond() {
        return measuredSeconds > 0 ? operations / measuredSeconds : 0;
    }
}
