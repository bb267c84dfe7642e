package io.tinykv.bench.report;

import io.tinykv.bench.driver.RunResult;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One workload at one concurrency, measured on several systems.
 *
 * @param workload the workload's label, e.g. {@code A} or {@code RawPut}
 * @param clients how many closed-loop clients ran
 * @param systems each system's numbers, by system name, in the order they ran
 * @param runs the full results behind the numbers (for the time series); may be empty
 */
public record ComparisonCell(String workload, int clients, Map<String, SystemStats> systems, List<RunResult> runs) {

    public ComparisonCell {
        systems = Collections.unmodifiableMap(new LinkedHashMap<>(systems));
        runs = List.copyOf(runs);
    }

    /** A cell from the runs of every system, keyed by system name. */
    public static ComparisonCell of(String workload, int clients, Map<String, RunResult> runsBySystem) {
        Map<String, SystemStats> stats = new LinkedHashMap<>();
        runsBySystem.forEach((name, run) -> stats.put(name, SystemStats.of(run)));
        return new ComparisonCell(workload, clients, stats, List.copyOf(runsBySystem.values()));
    }

    /** {@code numerator}'s throughput over {@code denominator}'s; NaN when either did not measure. */
    public double throughputRatio(String numerator, String denominator) {
        SystemStats n = systems.get(numerator);
        SystemStats d = systems.get(denominator);
        if (n == null || d == null || !n.measured() || !d.measured() || d.opsPerSecond() <= 0) {
            return Double.NaN;
        }
        return n.opsPerSecond() / d.opsPerSecond();
    }

    /** {@code numerator}'s p99 over {@code denominator}'s (below 1: numerator has the shorter tail). */
    public double p99Ratio(String numerator, String denominator) {
        SystemStats n = systems.get(numerator);
        SystemStats d = systems.get(denominator);
        if (n == null || d == null || !n.measured() || !d.measured() || d.p99Ms() <= 0) {
            return Double.NaN;
        }
        return n.p99Ms() / d.p99Ms();
    }
}
