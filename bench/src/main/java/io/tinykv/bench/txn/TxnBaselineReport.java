package io.tinykv.bench.txn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tinykv.bench.report.RunReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The transaction baseline's results: a text table and {@code txn-baseline.json}. */
public record TxnBaselineReport(Map<String, String> setup, List<TxnBaselineRow> rows) {

    public static final String REPORT_NAME = "txn-baseline";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final double MICROS_PER_MILLI = 1_000.0;
    private static final String[] HEADER = {
        "clients",
        "txn/s",
        "txn p50 ms",
        "txn p99 ms",
        "abort %",
        "RawPut ops/s",
        "RawPut p99 ms",
        "txn/RawPut",
        "commit",
        "txn/s vs first"
    };

    public TxnBaselineReport {
        setup = new LinkedHashMap<>(setup);
        rows = List.copyOf(rows);
    }

    /**
     * One line per concurrency and commit mode, columns right-aligned under their headers; the last
     * column compares each mode's txn/s with the first mode's at the same concurrency (same run).
     */
    public String table() {
        StringBuilder out = new StringBuilder();
        out.append(line(HEADER));
        Map<Integer, Double> firstTxnPerSecond = new LinkedHashMap<>();
        for (TxnBaselineRow r : rows) {
            double first =
                    firstTxnPerSecond.computeIfAbsent(r.clients(), c -> r.txn().txnPerSecond());
            out.append(line(new String[] {
                String.valueOf(r.clients()),
                fmt("%.0f", r.txn().txnPerSecond()),
                fmt("%.3f", r.txn().committedLatency().p50Micros() / MICROS_PER_MILLI),
                fmt("%.3f", r.txn().committedLatency().p99Micros() / MICROS_PER_MILLI),
                fmt("%.2f", r.txn().abortPercent()),
                fmt("%.0f", r.rawPut().opsPerSecond()),
                fmt("%.3f", r.rawPut().all().p99Micros() / MICROS_PER_MILLI),
                Double.isNaN(r.txnPerRawPut()) ? "-" : fmt("%.2f", r.txnPerRawPut()),
                r.txn().target(),
                first > 0 ? fmt("%.2f", r.txn().txnPerSecond() / first) : "-"
            }));
        }
        return out.toString();
    }

    private static String line(String[] cells) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            int width = Math.max(HEADER[i].length(), cells[i].length());
            if (i > 0) {
                b.append("  ");
            }
            b.append(" ".repeat(width - cells[i].length())).append(cells[i]);
        }
        return b.append('\n').toString();
    }

    private static String fmt(String pattern, double value) {
        return String.format(Locale.ROOT, pattern, value);
    }

    public ObjectNode json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("report", REPORT_NAME);
        ObjectNode setupNode = root.putObject("setup");
        setup.forEach(setupNode::put);
        ArrayNode rowsNode = root.putArray("rows");
        for (TxnBaselineRow r : rows) {
            ObjectNode row = rowsNode.addObject();
            row.put("clients", r.clients());
            ObjectNode txn = row.putObject("txn");
            txn.put("target", r.txn().target());
            txn.put("measuredSeconds", r.txn().measuredSeconds());
            txn.put("committed", r.txn().committed());
            txn.put("conflicts", r.txn().conflicts());
            txn.put("aborted", r.txn().aborted());
            txn.put("errors", r.txn().errors());
            txn.put("txnPerSecond", r.txn().txnPerSecond());
            txn.put("abortPercent", r.txn().abortPercent());
            ObjectNode latency = txn.putObject("latencyMicros");
            latency.put("mean", r.txn().committedLatency().meanMicros());
            latency.put("p50", r.txn().committedLatency().p50Micros());
            latency.put("p95", r.txn().committedLatency().p95Micros());
            latency.put("p99", r.txn().committedLatency().p99Micros());
            latency.put("p999", r.txn().committedLatency().p999Micros());
            latency.put("max", r.txn().committedLatency().maxMicros());
            ArrayNode samples = txn.putArray("errorSamples");
            r.txn().errorSamples().forEach(samples::add);
            row.set("rawPut", RunReport.toJson(r.rawPut()));
            if (Double.isNaN(r.txnPerRawPut())) {
                row.putNull("txnPerRawPut");
            } else {
                row.put("txnPerRawPut", r.txnPerRawPut());
            }
        }
        return root;
    }

    /** Writes {@code txn-baseline.json} into {@code dir}; returns its path. */
    public Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(REPORT_NAME + ".json");
        Files.writeString(file, JSON.writeValueAsString(json()), StandardCharsets.UTF_8);
        return file;
    }
}
