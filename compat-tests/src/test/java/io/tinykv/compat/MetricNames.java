package io.tinykv.compat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Metric names in Prometheus text exposition and in a Grafana dashboard's PromQL expressions. */
final class MetricNames {
    private static final Pattern NAME = Pattern.compile("\\btinykv_[a-z0-9_]+");
    private static final String[] HISTOGRAM_SERIES = {"_bucket", "_sum", "_count"};

    private MetricNames() {}

    /**
     * The series names a scrape shows: each {@code # TYPE} line's name (a histogram also as its
     * {@code _bucket}, {@code _sum} and {@code _count} series) and every sample's name.
     */
    static Set<String> exported(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                names.add(parts[2]);
                if (parts.length > 3 && parts[3].equals("histogram")) {
                    for (String suffix : HISTOGRAM_SERIES) {
                        names.add(parts[2] + suffix);
                    }
                }
            } else if (!line.startsWith("#") && !line.isBlank()) {
                int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
                names.add(line.substring(0, end));
            }
        }
        return names;
    }

    /** Every {@code tinykv_*} name in the dashboard's {@code expr} fields, however deep. */
    static Set<String> usedInExpressions(JsonNode dashboard) {
        Set<String> names = new TreeSet<>();
        collect(dashboard, names);
        return names;
    }

    private static void collect(JsonNode node, Set<String> names) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("expr") && e.getValue().isTextual()) {
                    Matcher m = NAME.matcher(e.getValue().asText());
                    while (m.find()) {
                        names.add(m.group());
                    }
                } else {
                    collect(e.getValue(), names);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collect(child, names));
        }
    }
}
