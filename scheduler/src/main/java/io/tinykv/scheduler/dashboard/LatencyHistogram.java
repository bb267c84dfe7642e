package io.tinykv.scheduler.dashboard;

import java.util.Map;
import java.util.TreeMap;

/**
 * A store's gRPC request latency histogram as scraped from its {@code /metrics}
 * ({@code tinykv_grpc_request_duration_seconds}, summed over methods): cumulative counts by upper
 * bound, and the total. The difference of two scrapes gives the requests of the interval between
 * them and their p99 (as the upper bound of the bucket that holds it: histograms know no better).
 */
record LatencyHistogram(TreeMap<Double, Double> cumulativeByUpperBound, double count) {

    static final String METRIC = "tinykv_grpc_request_duration_seconds";
    private static final String BUCKET = METRIC + "_bucket{";
    private static final String COUNT = METRIC + "_count{";
    private static final double P99 = 0.99;

    static final LatencyHistogram EMPTY = new LatencyHistogram(new TreeMap<>(), 0);

    /**
     * Reads the histogram out of Prometheus text exposition, counting the client-facing key-value
     * calls only ({@code Raw*}, {@code Kv*}): the stores' long-lived streams (Raft messages,
     * snapshots) also end up in the histogram, with their whole lifetime as latency.
     */
    static LatencyHistogram parse(String text) {
        TreeMap<Double, Double> buckets = new TreeMap<>();
        double count = 0;
        for (String line : text.split("\n")) {
            if (!(line.startsWith(BUCKET) || line.startsWith(COUNT)) || !isKvCall(line)) {
                continue;
            }
            if (line.startsWith(BUCKET)) {
                int le = line.indexOf("le=\"");
                int end = le < 0 ? -1 : line.indexOf('"', le + 4);
                if (end < 0) {
                    continue;
                }
                String bound = line.substring(le + 4, end);
                double upper = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
                buckets.merge(upper, value(line), Double::sum);
            } else if (line.startsWith(COUNT)) {
                count += value(line);
            }
        }
        return new LatencyHistogram(buckets, count);
    }

    private static boolean isKvCall(String line) {
        int m = line.indexOf("method=\"");
        return m >= 0 && (line.startsWith("Raw", m + 8) || line.startsWith("Kv", m + 8));
    }

    private static double value(String line) {
        String[] parts = line.substring(line.lastIndexOf('}') + 1).strip().split("\\s+");
        return Double.parseDouble(parts[0]);
    }

    /** Requests since {@code earlier}. */
    double countSince(LatencyHistogram earlier) {
        return Math.max(0, count - earlier.count);
    }

    /** The p99 latency of the requests since {@code earlier}, in milliseconds; null without requests. */
    Double p99MillisSince(LatencyHistogram earlier) {
        double total = countSince(earlier);
        if (total <= 0) {
            return null;
        }
        double rank = total * P99;
        for (Map.Entry<Double, Double> b : cumulativeByUpperBound.entrySet()) {
            double before = earlier.cumulativeByUpperBound.getOrDefault(b.getKey(), 0.0);
            if (b.getValue() - before >= rank) {
                return b.getKey().isInfinite() ? null : b.getKey() * 1_000;
            }
        }
        return null;
    }
}
