package io.tinykv.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.tinykv.bench.driver.DriverConfig;
import io.tinykv.bench.driver.IntervalStats;
import io.tinykv.bench.driver.LatencySummary;
import io.tinykv.bench.driver.LoadResult;
import io.tinykv.bench.driver.RunResult;
import io.tinykv.bench.workload.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

    private static RunResult run(String target, Workload w, int clients, double opsPerSecond, double p99Micros) {
        DriverConfig cfg = DriverConfig.defaults(w, clients, Duration.ofSeconds(3));
        LatencySummary lat = new LatencySummary(
                300, p99Micros / 2, p99Micros / 3, p99Micros / 1.5, p99Micros, p99Micros * 2, p99Micros * 3);
        List<IntervalStats> series = List.of(
                new IntervalStats(1, 1, 100, 0, opsPerSecond * 0.9, p99Micros / 3, p99Micros, p99Micros * 2),
                new IntervalStats(2, 1, 100, 0, opsPerSecond, p99Micros / 3, p99Micros, p99Micros * 2),
                new IntervalStats(3, 1, 100, 0, opsPerSecond * 1.1, p99Micros / 3, p99Micros, p99Micros * 2));
        return new RunResult(
                target,
                cfg,
                new LoadResult(10_000, 2.0),
                300 / opsPerSecond,
                300,
                0,
                0,
                lat,
                lat,
                LatencySummary.EMPTY,
                series,
                List.of());
    }

    private static RunResult failed(String target, Workload w, int clients) {
        return new RunResult(
                target,
                DriverConfig.defaults(w, clients, Duration.ofSeconds(3)),
                LoadResult.SKIPPED,
                3,
                0,
                50,
                0,
                LatencySummary.EMPTY,
                LatencySummary.EMPTY,
                LatencySummary.EMPTY,
                List.of(),
                List.of("StatusRuntimeException: UNAVAILABLE <closed>"));
    }

    @Test
    void latencySummaryConvertsNanosToMicros() {
        Histogram h = new Histogram(60_000_000_000L, 3);
        for (int i = 1; i <= 100; i++) {
            h.recordValue(i * 1_000_000L); // 1..100 ms
        }
        LatencySummary s = LatencySummary.of(h);
        assertThat(s.count()).isEqualTo(100);
        assertThat(s.p50Micros()).isCloseTo(50_000, within(50.0));
        assertThat(s.p99Micros()).isCloseTo(99_000, within(100.0));
        assertThat(s.maxMicros()).isCloseTo(100_000, within(100.0));
        assertThat(LatencySummary.of(new Histogram(3))).isEqualTo(LatencySummary.EMPTY);
    }

    @Test
    void runJsonHasSettingsTotalsPercentilesAndTheTimeSeries() throws Exception {
        RunResult r = run("tinykv", Workload.A, 16, 1000, 2000);
        JsonNode json = RunReport.JSON.readTree(RunReport.json(List.of(r)));
        JsonNode node = json.get("runs").get(0);
        assertThat(node.get("target").asText()).isEqualTo("tinykv");
        assertThat(node.get("config").get("workload").asText()).isEqualTo("A");
        assertThat(node.get("config").get("clients").asInt()).isEqualTo(16);
        assertThat(node.get("config").get("keySizeBytes").asInt()).isEqualTo(16);
        assertThat(node.get("config").get("valueSizeBytes").asInt()).isEqualTo(256);
        assertThat(node.get("operations").asLong()).isEqualTo(300);
        assertThat(node.get("opsPerSecond").asDouble()).isCloseTo(1000, within(1e-6));
        for (String p : List.of("p50", "p95", "p99", "p999", "max")) {
            assertThat(node.get("latencyMicros").get("all").has(p)).as(p).isTrue();
        }
        assertThat(node.get("latencyMicros").get("all").get("p99").asDouble()).isEqualTo(2000);
        assertThat(node.get("intervals")).hasSize(3);
        assertThat(node.get("intervals").get(1).get("opsPerSecond").asDouble()).isEqualTo(1000);
        assertThat(node.get("load").get("records").asLong()).isEqualTo(10_000);
    }

    @Test
    void runHtmlIsSelfContainedWithChartsOfThroughputAndP99() {
        String html = RunReport.html("bench run <tinykv>", List.of(run("tinykv", Workload.A, 16, 1000, 2000)));
        assertThat(html).startsWith("<!DOCTYPE html>");
        assertThat(html).contains("bench run &lt;tinykv&gt;").doesNotContain("run <tinykv>");
        assertThat(html).contains("<svg").contains("throughput").contains("p99 latency");
        assertThat(html.split("<polyline", -1)).hasSize(3); // one line per chart
        assertSelfContained(html);
    }

    static void assertSelfContained(String html) {
        assertThat(html)
                .doesNotContain("<script")
                .doesNotContain("<link")
                .doesNotContain("src=")
                .doesNotContain("href=")
                .doesNotContain("@import");
        // The only URL is the SVG namespace name, which is never fetched.
        assertThat(html.replace("http://www.w3.org/2000/svg", ""))
                .doesNotContain("http://")
                .doesNotContain("https://");
    }

    private static Comparison comparison() {
        Map<String, RunResult> a16 = new LinkedHashMap<>();
        a16.put("tinykv", run("tinykv", Workload.A, 16, 3000, 4000));
        a16.put("etcd", run("etcd", Workload.A, 16, 1500, 8000));
        a16.put("rocksdb", run("rocksdb", Workload.A, 16, 30000, 500));
        Map<String, RunResult> w1 = new LinkedHashMap<>();
        w1.put("tinykv", failed("tinykv", Workload.W, 1));
        w1.put("etcd", run("etcd", Workload.W, 1, 400, 3000));
        w1.put("rocksdb", run("rocksdb", Workload.W, 1, 900, 1500));
        return new Comparison(
                "tinykv vs etcd",
                List.of("standalone vs 3-member etcd: not like for like"),
                Map.of("etcd", "3 members"),
                "tinykv",
                "etcd",
                List.of("tinykv", "etcd", "rocksdb"),
                List.of(ComparisonCell.of("A", 16, a16), ComparisonCell.of("W", 1, w1)));
    }

    @Test
    void ratiosAreTinykvOverEtcdAndUndefinedWhenASideMeasuredNothing() {
        Comparison c = comparison();
        ComparisonCell a = c.cells().get(0);
        assertThat(a.throughputRatio("tinykv", "etcd")).isCloseTo(2.0, within(1e-9));
        assertThat(a.p99Ratio("tinykv", "etcd")).isCloseTo(0.5, within(1e-9));
        assertThat(a.throughputRatio("tinykv", "rocksdb")).isCloseTo(0.1, within(1e-9));
        ComparisonCell w = c.cells().get(1);
        assertThat(w.throughputRatio("tinykv", "etcd")).isNaN();
        assertThat(w.p99Ratio("tinykv", "etcd")).isNaN();
        assertThat(a.throughputRatio("tinykv", "nope")).isNaN();
    }

    @Test
    void tableHasOneRowPerCellWithTheRatioColumns() {
        String table = comparison().table();
        List<String> lines = table.lines().toList();
        assertThat(lines).hasSize(4); // header, rule, two cells
        assertThat(lines.get(0))
                .contains("tinykv ops/s")
                .contains("etcd p99 ms")
                .contains("rocksdb ops/s")
                .contains("tinykv/etcd ops/s")
                .contains("tinykv/etcd p99");
        assertThat(lines.get(2))
                .startsWith("A")
                .contains("3000")
                .contains("1500")
                .contains("2.00")
                .contains("0.50");
        assertThat(lines.get(3)).startsWith("W").contains("n/a").contains("400");
        // Columns line up: every line is as wide as the rule.
        assertThat(lines.get(0).length()).isEqualTo(lines.get(1).length());
    }

    @Test
    void comparisonJsonHasEachSystemsNumbersAndTheRatioPerCell() {
        JsonNode json = comparison().json();
        assertThat(json.get("ratio").asText()).isEqualTo("tinykv/etcd");
        assertThat(json.get("notes").get(0).asText()).contains("not like for like");
        JsonNode a = json.get("results").get(0);
        assertThat(a.get("workload").asText()).isEqualTo("A");
        assertThat(a.get("clients").asInt()).isEqualTo(16);
        assertThat(a.get("systems").get("tinykv").get("opsPerSecond").asDouble())
                .isEqualTo(3000);
        assertThat(a.get("systems").get("etcd").get("p99Ms").asDouble()).isEqualTo(8.0);
        assertThat(a.get("systems").get("rocksdb").has("p50Ms")).isTrue();
        assertThat(a.get("ratio").get("throughput").asDouble()).isCloseTo(2.0, within(1e-9));
        JsonNode w = json.get("results").get(1);
        assertThat(w.get("systems").get("tinykv").get("opsPerSecond").isNull()).isTrue();
        assertThat(w.get("systems").get("tinykv").get("errors").asLong()).isEqualTo(50);
        assertThat(w.get("ratio").get("throughput").isNull()).isTrue();
        assertThat(json.get("runs")).hasSize(6);
    }

    @Test
    void comparisonHtmlHasTheNoteTableBarsAndTimeSeries(@TempDir Path dir) throws Exception {
        Comparison c = comparison();
        c.write(dir, "compare-etcd");
        String html = Files.readString(dir.resolve("compare-etcd.html"));
        assertThat(html).contains("class=\"note\"").contains("not like for like");
        assertThat(html).contains("<table").contains("tinykv/etcd ops/s");
        // One bar per measured system and cell in each of the two bar charts (tinykv W measured nothing).
        assertThat(html.split("<rect class=\"bar\"", -1)).hasSize(1 + 2 * 5);
        assertThat(html).contains("workload A, 16 clients");
        assertSelfContained(html);
        JsonNode json = RunReport.JSON.readTree(dir.resolve("compare-etcd.json").toFile());
        assertThat(json.get("results")).hasSize(2);
    }

    @Test
    void niceStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertThat(SvgChart.niceStep(100)).isEqualTo(20);
        assertThat(SvgChart.niceStep(7)).isEqualTo(2);
        assertThat(SvgChart.niceStep(0.03)).isCloseTo(0.01, within(1e-12));
        assertThat(SvgChart.niceStep(0)).isEqualTo(1);
    }
}
