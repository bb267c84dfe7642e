package io.tinykv.bench.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tinykv.bench.testing.FakeClock;
import io.tinykv.bench.testing.InMemoryTarget;
import io.tinykv.bench.workload.KeyDistribution;
import io.tinykv.bench.workload.Workload;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The driver on virtual time: each fake operation advances the clock, nothing waits for real. */
class BenchDriverTest {

    private static final Duration OP_LATENCY = Duration.ofMillis(2);

    private static DriverConfig config(
            Workload w, int clients, Duration duration, long operations, Duration warmup, boolean load) {
        return DriverConfig.builder()
                .workload(w)
                .recordCount(500)
                .valueSizeBytes(64)
                .clients(clients)
                .duration(duration)
                .operationCount(operations)
                .warmup(warmup)
                .load(load)
                .seed(11)
                .build();
    }

    @Test
    void durationRunProducesOneIntervalPerSecondAndExcludesTheWarmup() throws Exception {
        FakeClock clock = new FakeClock();
        InMemoryTarget target = new InMemoryTarget("fake", clock, OP_LATENCY, 0);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        BenchDriver driver = new BenchDriver(clock, new PrintStream(progress, true, StandardCharsets.UTF_8));

        DriverConfig cfg = config(Workload.A, 4, Duration.ofSeconds(5), 0, Duration.ofSeconds(2), false);
        RunResult r = driver.run(target, cfg, LoadResult.SKIPPED);

        assertThat(r.errors()).isZero();
        assertThat(r.operations()).isPositive();
        // Every call to the target is either a warm-up or a measured operation.
        long calls = target.gets.get() + target.puts.get();
        assertThat(r.operations()).isLessThan(calls);
        assertThat(r.intervals()).hasSize(5);
        // Operations in flight at the end complete afterwards: they count in the totals only.
        assertThat(r.intervals().stream().mapToLong(IntervalStats::operations).sum())
                .isBetween(r.operations() - cfg.clients(), r.operations());
        assertThat(r.intervals().getLast().endSeconds()).isCloseTo(5.0, within(0.1));
        assertThat(r.measuredSeconds()).isCloseTo(5.0, within(0.1));
        // Each operation advances the shared clock by 2 ms, so together they fill the 7 virtual seconds.
        assertThat(calls).isBetween(3_400L, 3_600L);
        assertThat(r.reads().count() + r.updates().count()).isEqualTo(r.operations());
        assertThat((double) r.reads().count() / r.operations()).isCloseTo(0.5, within(0.05));

        String lines = progress.toString(StandardCharsets.UTF_8);
        assertThat(lines.lines().filter(l -> l.contains("warm-up")).count()).isEqualTo(2);
        assertThat(lines.lines()
                        .filter(l -> l.contains("ops/s") && l.contains("errors"))
                        .count())
                .isEqualTo(5);
    }

    @Test
    void operationCountRunMeasuresExactlyThatManyOperations() throws Exception {
        FakeClock clock = new FakeClock();
        InMemoryTarget target = new InMemoryTarget("fake", clock, OP_LATENCY, 0);
        BenchDriver driver = new BenchDriver(clock, null);

        RunResult r = driver.run(
                target, config(Workload.B, 8, Duration.ZERO, 1_234, Duration.ZERO, false), LoadResult.SKIPPED);

        assertThat(r.operations()).isEqualTo(1_234);
        assertThat(target.gets.get() + target.puts.get()).isEqualTo(1_234);
        assertThat(r.opsPerSecond()).isPositive();
    }

    @Test
    void singleClientLatencyIsTheTargetsLatency() throws Exception {
        FakeClock clock = new FakeClock();
        InMemoryTarget target = new InMemoryTarget("fake", clock, OP_LATENCY, 0);
        RunResult r = new BenchDriver(clock, null)
                .run(target, config(Workload.C, 1, Duration.ZERO, 500, Duration.ZERO, false), LoadResult.SKIPPED);

        double expectedMicros = OP_LATENCY.toNanos() / 1e3;
        // HdrHistogram keeps three significant digits.
        assertThat(r.all().p50Micros()).isCloseTo(expectedMicros, within(expectedMicros * 0.001));
        assertThat(r.all().p99Micros()).isCloseTo(expectedMicros, within(expectedMicros * 0.001));
        assertThat(r.all().maxMicros()).isCloseTo(expectedMicros, within(expectedMicros * 0.001));
        assertThat(r.updates().count()).isZero();
        // Nothing was loaded, so every read found nothing.
        assertThat(r.readsNotFound()).isEqualTo(500);
    }

    @Test
    void failedOperationsAreCountedNotTimed() throws Exception {
        FakeClock clock = new FakeClock();
        InMemoryTarget target = new InMemoryTarget("flaky", clock, OP_LATENCY, 10);
        RunResult r = new BenchDriver(clock, null)
                .run(target, config(Workload.W, 2, Duration.ZERO, 1_000, Duration.ZERO, false), LoadResult.SKIPPED);

        assertThat(r.operations() + r.errors()).isEqualTo(1_000);
        assertThat(r.errors()).isEqualTo(100);
        assertThat(r.errorSamples()).containsExactly("IllegalStateException: injected failure");
    }

    @Test
    void loadInsertsEveryRecordWithTheConfiguredSizes() throws Exception {
        FakeClock clock = new FakeClock();
        InMemoryTarget target = new InMemoryTarget("fake", clock, OP_LATENCY, 0);
        DriverConfig cfg = config(Workload.C, 3, Duration.ZERO, 300, Duration.ZERO, true);

        RunResult r = new BenchDriver(clock, null).loadAndRun(target, cfg);

        assertThat(r.load().records()).isEqualTo(500);
        assertThat(target.data()).hasSize(500);
        assertThat(target.data().keySet())
                .allSatisfy(k -> assertThat(k.remaining()).isEqualTo(16));
        assertThat(target.data().values()).allSatisfy(v -> assertThat(v).hasSize(64));
        assertThat(r.readsNotFound()).isZero();
        assertThat(r.operations()).isEqualTo(300);
    }

    @Test
    void aFailedInsertStopsTheLoadWithAClearError() {
        FakeClock clock = new FakeClock();
        InMemoryTarget target = new InMemoryTarget("broken", clock, OP_LATENCY, 7);
        DriverConfig cfg = config(Workload.C, 2, Duration.ZERO, 10, Duration.ZERO, true);

        assertThatThrownBy(() -> new BenchDriver(clock, null).load(target, cfg))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("loading broken failed")
                .hasMessageContaining("injected failure");
    }

    @Test
    void sameSeedSameOperationSequenceWithOneClient() throws Exception {
        long[] puts = new long[2];
        for (int i = 0; i < 2; i++) {
            FakeClock clock = new FakeClock();
            InMemoryTarget target = new InMemoryTarget("fake", clock, OP_LATENCY, 0);
            new BenchDriver(clock, null)
                    .run(target, config(Workload.A, 1, Duration.ZERO, 1_000, Duration.ZERO, false), LoadResult.SKIPPED);
            puts[i] = target.puts.get();
        }
        assertThat(puts[0]).isEqualTo(puts[1]);
    }

    @Test
    void configurationRejectsNonsense() {
        assertThatThrownBy(() -> config(Workload.A, 0, Duration.ofSeconds(1), 0, Duration.ZERO, false))
                .hasMessageContaining("client count");
        assertThatThrownBy(() -> config(Workload.A, 1, Duration.ZERO, 0, Duration.ZERO, false))
                .hasMessageContaining("duration or an operation count");
        assertThatThrownBy(() -> DriverConfig.builder()
                        .workload(Workload.A)
                        .distribution(KeyDistribution.UNIFORM)
                        .recordCount(1_000_000)
                        .keySizeBytes(4)
                        .valueSizeBytes(1)
                        .clients(1)
                        .duration(Duration.ofSeconds(1))
                        .load(false)
                        .build())
                .hasMessageContaining("too small");
    }
}
