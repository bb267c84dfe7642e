package io.tinykv.bench.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinykv.bench.driver.DriverConfig;
import io.tinykv.bench.driver.LatencySummary;
import io.tinykv.bench.driver.LoadResult;
import io.tinykv.bench.driver.RunResult;
import io.tinykv.bench.workload.Workload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TxnBaselineReportTest {

    private static LatencySummary latency(double p50Micros, double p99Micros) {
        return new LatencySummary(1, p50Micros, p50Micros, p99Micros, p99Micros, p99Micros, p99Micros);
    }

    private static TxnBaselineRow row(int clients, long committed, long conflicts, long aborted, long rawOps) {
        TxnRunResult txn = new TxnRunResult(
                "fake-txn", clients, 10.0, committed, conflicts, aborted, 0, latency(4_000, 12_500), List.of());
        RunResult raw = new RunResult(
                "tinykv",
                DriverConfig.defaults(Workload.W, clients, Duration.ofSeconds(10)),
                LoadResult.SKIPPED,
                10.0,
                rawOps,
                0,
                0,
                latency(1_000, 3_250),
                LatencySummary.EMPTY,
                latency(1_000, 3_250),
                List.of(),
                List.of());
        return new TxnBaselineRow(clients, txn, raw);
    }

    @Test
    void theTableHasOneLinePerConcurrencyWithRatesPercentilesAbortRateAndRatio() {
        TxnBaselineReport report = new TxnBaselineReport(
                Map.of("command", "bench txn-baseline"),
                List.of(row(1, 1_000, 0, 0, 4_000), row(16, 3_000, 750, 250, 12_000)));

        List<String> lines = report.table().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).trim().split("\\s{2,}"))
                .containsExactly(
                        "clients",
                        "txn/s",
                        "txn p50 ms",
                        "txn p99 ms",
                        "abort %",
                        "RawPut ops/s",
                        "RawPut p99 ms",
                        "txn/RawPut",
                        "commit",
                        "txn/s vs first");
        assertThat(lines.get(1).trim().split("\\s+"))
                .containsExactly("1", "100", "4.000", "12.500", "0.00", "400", "3.250", "0.25", "fake-txn", "1.00");
        // 1000 of 4000 finished transactions aborted: 25 %; 300 txn/s against 1200 RawPut/s.
        assertThat(lines.get(2).trim().split("\\s+"))
                .containsExactly("16", "300", "4.000", "12.500", "25.00", "1200", "3.250", "0.25", "fake-txn", "1.00");
    }

    @Test
    void theJsonFileHoldsEveryCountAndTheRawPutRun(@TempDir Path dir) throws Exception {
        TxnBaselineReport report =
                new TxnBaselineReport(Map.of("command", "bench txn-baseline"), List.of(row(64, 2_000, 100, 20, 0)));
        Path file = report.write(dir);

        assertThat(file.getFileName().toString()).isEqualTo("txn-baseline.json");
        JsonNode root = new ObjectMapper().readTree(Files.readString(file));
        assertThat(root.path("setup").path("command").asText()).isEqualTo("bench txn-baseline");
        JsonNode row = root.path("rows").get(0);
        assertThat(row.path("clients").asInt()).isEqualTo(64);
        assertThat(row.path("txn").path("committed").asLong()).isEqualTo(2_000);
        assertThat(row.path("txn").path("conflicts").asLong()).isEqualTo(100);
        assertThat(row.path("txn").path("aborted").asLong()).isEqualTo(20);
        assertThat(row.path("txn").path("abortPercent").asDouble()).isCloseTo(100.0 * 120 / 2_120, within(1e-9));
        assertThat(row.path("txn").path("latencyMicros").path("p99").asDouble()).isEqualTo(12_500.0);
        assertThat(row.path("rawPut").isObject()).isTrue();
        // No RawPut throughput: no ratio, and JSON says so with null rather than NaN.
        assertThat(row.path("txnPerRawPut").isNull()).isTrue();
        assertThat(report.table().lines().toList().get(1).trim()).contains("-  fake-txn");
    }

    @Test
    void eachCommitModeIsComparedWithTheFirstAtTheSameConcurrency() {
        TxnBaselineRow twoPc = row(16, 1_000, 0, 0, 4_000);
        TxnRunResult faster =
                new TxnRunResult("fake-async", 16, 10.0, 2_500, 0, 0, 0, latency(2_000, 6_000), List.of());
        TxnBaselineReport report = new TxnBaselineReport(
                Map.of("command", "bench txn-baseline"),
                List.of(twoPc, new TxnBaselineRow(16, faster, twoPc.rawPut())));
        List<String> lines = report.table().lines().toList();
        assertThat(lines.get(1).trim().split("\\s+")).endsWith("fake-txn", "1.00");
        assertThat(lines.get(2).trim().split("\\s+")).endsWith("fake-async", "2.50");
    }

    @Test
    void bothRunsOfARowMustUseItsConcurrency() {
        TxnBaselineRow ok = row(16, 1, 0, 0, 1);
        assertThatThrownBy(() -> new TxnBaselineRow(1, ok.txn(), ok.rawPut()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 clients");
    }
}
