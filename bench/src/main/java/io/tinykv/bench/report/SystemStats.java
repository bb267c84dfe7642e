package io.tinykv.bench.report;

import io.tinykv.bench.driver.RunResult;

/** One system's headline numbers in one comparison cell. */
public record SystemStats(double opsPerSecond, double p50Ms, double p99Ms, long operations, long errors) {

    private static final double MICROS_PER_MILLI = 1000.0;

    public static SystemStats of(RunResult r) {
        return new SystemStats(
                r.opsPerSecond(),
                r.all().p50Micros() / MICROS_PER_MILLI,
                r.all().p99Micros() / MICROS_PER_MILLI,
                r.operations(),
                r.errors());
    }

    /** A run that measured nothing (every operation failed) has no meaningful latency or rate. */
    public boolean measured() {
        return operations > 0;
    }
}
