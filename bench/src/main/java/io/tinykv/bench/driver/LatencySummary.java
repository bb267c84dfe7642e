package io.tinykv.bench.driver;

import org.HdrHistogram.Histogram;

/**
 * The usual percentiles of one latency histogram, in microseconds.
 *
 * @param count how many operations the histogram holds
 */
public record LatencySummary(
        long count,
        double meanMicros,
        double p50Micros,
        double p95Micros,
        double p99Micros,
        double p999Micros,
        double maxMicros) {

    private static final double NANOS_PER_MICRO = 1_000.0;

    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0, 0);

    /** Summarises a histogram of nanosecond latencies. */
    public static LatencySummary of(Histogram nanos) {
        if (nanos.getTotalCount() == 0) {
            return EMPTY;
        }
        return new LatencySummary(
                nanos.getTotalCount(),
                nanos.getMean() / NANOS_PER_MICRO,
                nanos.getValueAtPercentile(50) / NANOS_PER_MICRO,
                nanos.getValueAtPercentile(95) / NANOS_PER_MICRO,
                nanos.getValueAtPercentile(99) / NANOS_PER_MICRO,
                nanos.getValueAtPercentile(99.9) / NANOS_PER_MICRO,
                nanos.getMaxValue() / NANOS_PER_MICRO);
    }
}
