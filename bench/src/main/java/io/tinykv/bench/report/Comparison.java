package io.tinykv.bench.report;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A side-by-side comparison: several systems on the same workloads and concurrencies, with the
 * ratio {@code primary / reference} for throughput and p99. Renders as a text table, JSON and a
 * self-contained HTML page.
 *
 * @param title what was compared
 * @param notes caveats a reader must see next to the numbers (e.g. replicated vs not)
 * @param setup how it was run (versions, members, sizes, command), as label and value
 * @param primary the system in the ratio's numerator
 * @param reference the system in the ratio's denominator
 * @param systems every system, in column order
 * @param cells one per workload and concurrency
 */
public record Comparison(
        String title,
        List<String> notes,
        Map<String, String> setup,
        String primary,
        String reference,
        List<String> systems,
        List<ComparisonCell> cells) {

    public Comparison {
        notes = List.copyOf(notes);
        setup = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(setup));
        systems = List.copyOf(systems);
        cells = List.copyOf(cells);
        if (!systems.contains(primary) || !systems.contains(reference)) {
            throw new IllegalArgumentException("the ratio's systems must be among " + systems);
        }
    }

    public String ratioLabel() {
        return primary + "/" + reference;
    }

    /** The plain-text table printed at the end of a comparison. */
    public String table() {
        List<String> header = new ArrayList<>(List.of("workload", "clients"));
        for (String s : systems) {
            header.add(s + " ops/s");
            header.add(s + " p99 ms");
        }
        header.add(ratioLabel() + " ops/s");
        header.add(ratioLabel() + " p99");
        List<List<String>> rows = new ArrayList<>();
        for (ComparisonCell c : cells) {
            List<String> row = new ArrayList<>(List.of(c.workload(), Integer.toString(c.clients())));
            for (String s : systems) {
                SystemStats st = c.systems().get(s);
                boolean ok = st != null && st.measured();
                row.add(ok ? fmt("%.0f", st.opsPerSecond()) : "n/a");
                row.add(ok ? fmt("%.3f", st.p99Ms()) : "n/a");
            }
            row.add(ratio(c.throughputRatio(primary, reference)));
            row.add(ratio(c.p99Ratio(primary, reference)));
            rows.add(row);
        }
        return align(header, rows);
    }

    private static String align(List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        for (int i = 0; i < header.size(); i++) {
            widths[i] = header.get(i).length();
            for (List<String> row : rows) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        appendRow(out, header, widths);
        StringBuilder rule = new StringBuilder();
        for (int w : widths) {
            rule.append("-".repeat(w)).append("  ");
        }
        out.append(rule.toString().stripTrailing()).append('\n');
        rows.forEach(r -> appendRow(out, r, widths));
        return out.toString();
    }

    private static void appendRow(StringBuilder out, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String cell = cells.get(i);
            // Labels left-aligned, numbers right-aligned.
            line.append(i == 0 ? pad(cell, widths[i], false) : pad(cell, widths[i], true))
                    .append("  ");
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    private static String pad(String s, int width, boolean right) {
        String spaces = " ".repeat(Math.max(0, width - s.length()));
        return right ? spaces + s : s + spaces;
    }

    public ObjectNode json() {
        ObjectNode root = RunReport.JSON.createObjectNode();
        root.put("title", title);
        ArrayNode notesNode = root.putArray("notes");
        notes.forEach(notesNode::add);
        ObjectNode setupNode = root.putObject("setup");
        setup.forEach(setupNode::put);
        root.put("ratio", ratioLabel());
        ArrayNode systemsNode = root.putArray("systems");
        systems.forEach(systemsNode::add);
        ArrayNode results = root.putArray("results");
        for (ComparisonCell c : cells) {
            ObjectNode cell = results.addObject();
            cell.put("workload", c.workload());
            cell.put("clients", c.clients());
            ObjectNode perSystem = cell.putObject("systems");
            c.systems().forEach((name, st) -> {
                ObjectNode s = perSystem.putObject(name);
                putNumber(s, "opsPerSecond", st.measured() ? st.opsPerSecond() : Double.NaN);
                putNumber(s, "p50Ms", st.measured() ? st.p50Ms() : Double.NaN);
                putNumber(s, "p99Ms", st.measured() ? st.p99Ms() : Double.NaN);
                s.put("operations", st.operations());
                s.put("errors", st.errors());
            });
            ObjectNode ratio = cell.putObject("ratio");
            ratio.put("of", ratioLabel());
            putNumber(ratio, "throughput", c.throughputRatio(primary, reference));
            putNumber(ratio, "p99", c.p99Ratio(primary, reference));
        }
        ArrayNode runsNode = root.putArray("runs");
        cells.forEach(c -> c.runs().forEach(r -> runsNode.add(RunReport.toJson(r))));
        return root;
    }

    /** JSON has no NaN: a missing measurement is null. */
    private static void putNumber(ObjectNode node, String field, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            node.putNull(field);
        } else {
            node.put(field, v);
        }
    }

    public String html() {
        HtmlPage page = new HtmlPage(title);
        notes.forEach(page::note);
        List<List<String>> setupRows = new ArrayList<>();
        setup.forEach((k, v) -> setupRows.add(List.of(k, v)));
        page.table(List.of("setting", "value"), setupRows);
        List<String> header = new ArrayList<>(List.of("workload", "clients"));
        for (String s : systems) {
            header.add(s + " ops/s");
            header.add(s + " p50 ms");
            header.add(s + " p99 ms");
        }
        header.add(ratioLabel() + " ops/s");
        header.add(ratioLabel() + " p99");
        List<List<String>> rows = new ArrayList<>();
        for (ComparisonCell c : cells) {
            List<String> row = new ArrayList<>(List.of(c.workload(), Integer.toString(c.clients())));
            for (String s : systems) {
                SystemStats st = c.systems().get(s);
                boolean ok = st != null && st.measured();
                row.add(ok ? fmt("%.0f", st.opsPerSecond()) : "n/a");
                row.add(ok ? fmt("%.3f", st.p50Ms()) : "n/a");
                row.add(ok ? fmt("%.3f", st.p99Ms()) : "n/a");
            }
            row.add(ratio(c.throughputRatio(primary, reference)));
            row.add(ratio(c.p99Ratio(primary, reference)));
            rows.add(row);
        }
        page.table(header, rows);

        List<String> groups =
                cells.stream().map(c -> c.workload() + " c=" + c.clients()).toList();
        double[][] ops = new double[systems.size()][cells.size()];
        double[][] p99 = new double[systems.size()][cells.size()];
        for (int s = 0; s < systems.size(); s++) {
            for (int g = 0; g < cells.size(); g++) {
                SystemStats st = cells.get(g).systems().get(systems.get(s));
                boolean ok = st != null && st.measured();
                ops[s][g] = ok ? st.opsPerSecond() : Double.NaN;
                p99[s][g] = ok ? st.p99Ms() : Double.NaN;
            }
        }
        page.charts(List.of(
                SvgChart.bars("throughput", "ops/s", groups, systems, ops),
                SvgChart.bars("p99 latency", "ms", groups, systems, p99)));

        page.heading(2, "Over time");
        for (ComparisonCell c : cells) {
            if (!c.runs().isEmpty()) {
                page.heading(3, "workload " + c.workload() + ", " + c.clients() + " clients");
                page.charts(RunReport.timeSeriesCharts(c.runs()));
            }
        }
        return page.render();
    }

    public void write(Path dir, String baseName) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(
                dir.resolve(baseName + ".json"), RunReport.JSON.writeValueAsString(json()), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(baseName + ".html"), html(), StandardCharsets.UTF_8);
    }

    private static String ratio(double r) {
        return Double.isNaN(r) ? "n/a" : String.format(Locale.ROOT, "%.2f", r);
    }

    private static String fmt(String pattern, double v) {
        return String.format(Locale.ROOT, pattern, v);
    }
}
