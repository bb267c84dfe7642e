package io.tinykv.testkit.check;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a checker found.
 *
 * @param anomalies violations of the checked isolation level; the history is valid iff empty
 * @param allowed anomalies that the isolation level permits (G2 under snapshot isolation), for
 *     information only
 */
public record CheckResult(List<Anomaly> anomalies, List<Anomaly> allowed) {

    /** How many anomalies of each name {@link #report()} spells out. */
    public static final int MAX_EXAMPLES_PER_NAME = 5;

    public CheckResult {
        anomalies = List.copyOf(anomalies);
        allowed = List.copyOf(allowed);
    }

    public boolean valid() {
        return anomalies.isEmpty();
    }

    /** The types of the violations found. */
    public Set<AnomalyType> types() {
        Set<AnomalyType> types = EnumSet.noneOf(AnomalyType.class);
        for (Anomaly a : anomalies) {
            types.add(a.type());
        }
        return types;
    }

    public boolean has(AnomalyType type) {
        return types().contains(type);
    }

    /**
     * A multi-line report suitable for a test failure message: a count per anomaly name, then the
     * first few anomalies of each name in full (a broken store can produce thousands).
     */
    public String report() {
        StringBuilder out = new StringBuilder(valid() ? "valid" : "INVALID: " + summarize(anomalies));
        appendExamples(out, anomalies, "");
        if (!allowed.isEmpty()) {
            out.append("\nallowed under snapshot isolation: ").append(summarize(allowed));
            appendExamples(out, allowed, "(allowed) ");
        }
        return out.toString();
    }

    private static String summarize(List<Anomaly> list) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Anomaly a : list) {
            counts.merge(a.name(), 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((name, count) -> parts.add(name + " x" + count));
        return String.join(", ", parts);
    }

    private static void appendExamples(StringBuilder out, List<Anomaly> list, String prefix) {
        Map<String, Integer> shown = new HashMap<>();
        for (Anomaly a : list) {
            if (shown.merge(a.name(), 1, Integer::sum) <= MAX_EXAMPLES_PER_NAME) {
                out.append("\n- ").append(prefix).append(a.describe());
            }
        }
    }

    @Override
    public String toString() {
        return report();
    }
}
