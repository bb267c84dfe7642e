package io.tinykv.bench.driver;

/**
 * One point of the time series: what completed in one report interval of the measured phase.
 *
 * @param endSeconds when the interval ended, in seconds since measuring began
 * @param lengthSeconds how long the interval actually was
 * @param operations operations that completed successfully in it
 * @param errors operations that failed in it
 */
public record IntervalStats(
        double endSeconds,
        double lengthSeconds,
        long operations,
        long errors,
        double opsPerSecond,
        double p50Micros,
        double p99Micros,
        double maxMicros) {}
