package io.tinykv.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tinykv.bench.driver.DriverConfig;
import io.tinykv.bench.driver.IntervalStats;
import io.tinykv.bench.driver.LatencySummary;
import io.tinykv.bench.driver.RunResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The JSON and HTML forms of one or more runs' results. */
public final class RunReport {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunReport() {}

    /** One run as JSON: settings, load phase, totals, latency percentiles and the time series. */
    public static ObjectNode toJson(RunResult r) {
        ObjectNode node = JSON.createObjectNode();
        node.put("target", r.target());
        node.set("config", configJson(r.config()));
        ObjectNode load = node.putObject("load");
        load.put("records", r.load().records());
        load.put("seconds", r.load().seconds());
        load.put("recordsPerSecond", r.load().recordsPerSecond());
        node.put("measuredSeconds", r.measuredSeconds());
        node.put("operations", r.operations());
        node.put("errors", r.errors());
        node.put("readsNotFound", r.readsNotFound());
        node.put("opsPerSecond", r.opsPerSecond());
        ObjectNode latency = node.putObject("latencyMicros");
        latency.set("all", latencyJson(r.all()));
        latency.set("read", latencyJson(r.reads()));
        latency.set("update", latencyJson(r.updates()));
        ArrayNode series = node.putArray("intervals");
        for (IntervalStats i : r.intervals()) {
            ObjectNode p = series.addObject();
            p.put("endSeconds", i.endSeconds());
            p.put("lengthSeconds", i.lengthSeconds());
            p.put("operations", i.operations());
            p.put("errors", i.errors());
            p.put("opsPerSecond", i.opsPerSecond());
            p.put("p50Micros", i.p50Micros());
            p.put("p99Micros", i.p99Micros());
            p.put("maxMicros", i.maxMicros());
        }
        ArrayNode samples = node.putArray("errorSamples");
        r.errorSamples().forEach(samples::add);
        return node;
    }

    static ObjectNode configJson(DriverConfig c) {
        ObjectNode node = JSON.createObjectNode();
        node.put("workload", c.workload().name());
        node.put("readProportion", c.workload().readProportion());
        node.put("distribution", c.distribution().label());
        node.put("zipfianTheta", c.zipfianTheta());
        node.put("recordCount", c.recordCount());
        node.put("keySizeBytes", c.keySizeBytes());
        node.put("valueSizeBytes", c.valueSizeBytes());
        node.put("clients", c.clients());
        node.put("durationSeconds", c.duration().toMillis() / 1000.0);
        node.put("operationCount", c.operationCount());
        node.put("warmupSeconds", c.warmup().toMillis() / 1000.0);
        node.put("seed", c.seed());
        node.put("threads", c.threads().name().toLowerCase(Locale.ROOT));
        return node;
    }

    static ObjectNode latencyJson(LatencySummary l) {
        ObjectNode node = JSON.createObjectNode();
        node.put("count", l.count());
        node.put("mean", l.meanMicros());
        node.put("p50", l.p50Micros());
        node.put("p95", l.p95Micros());
        node.put("p99", l.p99Micros());
        node.put("p999", l.p999Micros());
        node.put("max", l.maxMicros());
        return node;
    }

    public static String json(List<RunResult> runs) throws IOException {
        ArrayNode array = JSON.createArrayNode();
        runs.forEach(r -> array.add(toJson(r)));
        ObjectNode root = JSON.createObjectNode();
        root.set("runs", array);
        return JSON.writeValueAsString(root);
    }

    /** A page with a summary table and, per run, throughput and p99 over time. */
    public static String html(String title, List<RunResult> runs) {
        HtmlPage page = new HtmlPage(title);
        List<List<String>> rows = new ArrayList<>();
        for (RunResult r : runs) {
            rows.add(List.of(
                    r.target(),
                    r.config().workload().name() + " (" + r.config().workload().mix() + ")",
                    Integer.toString(r.config().clients()),
                    fmt("%.1f", r.measuredSeconds()),
                    Long.toString(r.operations()),
                    Long.toString(r.errors()),
                    fmt("%.0f", r.opsPerSecond()),
                    ms(r.all().p50Micros()),
                    ms(r.all().p95Micros()),
                    ms(r.all().p99Micros()),
                    ms(r.all().p999Micros()),
                    ms(r.all().maxMicros())));
        }
        page.table(
                List.of(
                        "target",
                        "workload",
                        "clients",
                        "seconds",
                        "ops",
                        "errors",
                        "ops/s",
                        "p50 ms",
                        "p95 ms",
                        "p99 ms",
                        "p99.9 ms",
                        "max ms"),
                rows);
        for (RunResult r : runs) {
            DriverConfig c = r.config();
            page.heading(2, r.target() + " — workload " + c.workload().name() + ", " + c.clients() + " clients");
            page.paragraph(String.format(
                    Locale.ROOT,
                    "%d records, %d-byte keys, %d-byte values, %s keys, warm-up %.0fs excluded; load phase %d records in %.1fs.",
                    c.recordCount(),
                    c.keySizeBytes(),
                    c.valueSizeBytes(),
                    c.distribution().label(),
                    c.warmup().toMillis() / 1000.0,
                    r.load().records(),
                    r.load().seconds()));
            if (!r.errorSamples().isEmpty()) {
                page.note("errors: " + String.join(" | ", r.errorSamples()));
            }
            page.charts(timeSeriesCharts(List.of(r)));
        }
        return page.render();
    }

    /** Throughput and p99 over time, one line per run. */
    static List<String> timeSeriesCharts(List<RunResult> runs) {
        List<SvgChart.Series> throughput = new ArrayList<>();
        List<SvgChart.Series> p99 = new ArrayList<>();
        for (RunResult r : runs) {
            List<double[]> ops = new ArrayList<>();
            List<double[]> tail = new ArrayList<>();
            for (IntervalStats i : r.intervals()) {
                ops.add(new double[] {i.endSeconds(), i.opsPerSecond()});
                tail.add(new double[] {i.endSeconds(), i.p99Micros() / 1000});
            }
            throughput.add(new SvgChart.Series(r.target(), ops));
            p99.add(new SvgChart.Series(r.target(), tail));
        }
        return List.of(
                SvgChart.line("throughput", "seconds", "ops/s", throughput),
                SvgChart.line("p99 latency", "seconds", "ms", p99));
    }

    public static void write(Path dir, String baseName, String title, List<RunResult> runs) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(baseName + ".json"), json(runs), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(baseName + ".html"), html(title, runs), StandardCharsets.UTF_8);
    }

    static String ms(double micros) {
        return fmt("%.3f", micros / 1000);
    }

    static String fmt(String pattern, double v) {
        return String.format(Locale.ROOT, pattern, v);
    }
}
