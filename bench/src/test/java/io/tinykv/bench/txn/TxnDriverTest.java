package io.tinykv.bench.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tinykv.bench.driver.BenchException;
import io.tinykv.bench.driver.DriverConfig;
import io.tinykv.bench.driver.LoadResult;
import io.tinykv.bench.testing.FakeClock;
import io.tinykv.bench.testing.InMemoryTxnTarget;
import io.tinykv.bench.workload.KeyDistribution;
import io.tinykv.bench.workload.Workload;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The transaction driver on virtual time: each fake commit advances the clock. */
class TxnDriverTest {

    private static final Duration COMMIT_LATENCY = Duration.ofMillis(2);

    private static DriverConfig config(int clients, long records, Duration duration, long operations, Duration warmup) {
        return DriverConfig.builder()
                .workload(Workload.W)
                .recordCount(records)
                .valueSizeBytes(32)
                .clients(clients)
                .duration(duration)
                .operationCount(operations)
                .warmup(warmup)
                .seed(7)
                .build();
    }

    /** Every 4th commit conflicts, every other 10th aborts, every 25th that is neither fails with an error. */
    private static InMemoryTxnTarget.Failure rule(long attempt) {
        if (attempt % 4 == 0) {
            return new InMemoryTxnTarget.Failure(TxnOutcome.CONFLICT);
        }
        if (attempt % 10 == 0) {
            return new InMemoryTxnTarget.Failure(TxnOutcome.ABORTED);
        }
        if (attempt % 25 == 0) {
            return new InMemoryTxnTarget.Failure(null);
        }
        return null;
    }

    @Test
    void countsCommitsConflictsAbortsAndErrorsApart() throws Exception {
        FakeClock clock = new FakeClock();
        InMemoryTxnTarget target = new InMemoryTxnTarget(clock, COMMIT_LATENCY, TxnDriverTest::rule);
        TxnRunResult r =
                new TxnDriver(clock, null).run(target, config(4, 500, Duration.ofSeconds(1), 400, Duration.ZERO));

        // Of attempts 1..400: multiples of 4 conflict (100); multiples of 10 but not of 4 abort (20);
        // multiples of 25 that are neither error (25, 75, 125, ... odd multiples of 25 below 400: 8).
        assertThat(r.conflicts()).isEqualTo(100);
        assertThat(r.aborted()).isEqualTo(20);
        assertThat(r.errors()).isEqualTo(8);
        assertThat(r.committed()).isEqualTo(400 - 100 - 20 - 8);
        assertThat(r.committedLatency().count()).isEqualTo(r.committed());
        assertThat(r.abortPercent()).isCloseTo(100.0 * 120 / 392, within(1e-9));
        assertThat(r.errorSamples()).singleElement().asString().contains("injected commit error");
        assertThat(target.sessions())
                .hasSize(400)
                .allSatisfy(
                        log -> assertThat(log).hasSize(7).startsWith("begin").endsWith("commit", "close"));
    }

    @Test
    void aDurationRunLeavesTheWarmupOutAndTimesWholeTransactions() throws Exception {
        FakeClock clock = new FakeClock();
        InMemoryTxnTarget target = new InMemoryTxnTarget(clock, COMMIT_LATENCY, attempt -> null);
        TxnRunResult r =
                new TxnDriver(clock, null).run(target, config(1, 500, Duration.ofSeconds(3), 0, Duration.ofSeconds(1)));

        assertThat(r.conflicts() + r.aborted() + r.errors()).isZero();
        assertThat(r.committed()).isPositive().isLessThan(target.sessions().size());
        assertThat(r.measuredSeconds()).isCloseTo(3.0, within(0.1));
        // One client: its commit is the only thing that moves the virtual clock, so every
        // transaction, timed from begin to commit, takes exactly that long.
        assertThat(r.committedLatency().p50Micros()).isCloseTo(2_000.0, within(5.0));
        assertThat(r.committedLatency().maxMicros()).isCloseTo(2_000.0, within(5.0));
        assertThat(r.txnPerSecond()).isCloseTo(r.committed() / r.measuredSeconds(), within(1e-9));
    }

    @Test
    void loadWritesEveryRecordsTransactionalKeyInBatches() throws Exception {
        InMemoryTxnTarget target = InMemoryTxnTarget.instant();
        DriverConfig cfg = config(3, 250, Duration.ofSeconds(1), 0, Duration.ZERO);
        LoadResult load = new TxnDriver(new FakeClock(), null).load(target, cfg);

        assertThat(load.records()).isEqualTo(250);
        assertThat(target.data()).hasSize(250);
        assertThat(target.data().keySet()).allSatisfy(k -> assertThat(k.get(0)).isEqualTo(TwoKeyReadWrite.KEY_PREFIX));
        TwoKeyReadWrite op = new TwoKeyReadWrite(
                KeyDistribution.UNIFORM.chooser(250, 0.99),
                io.tinykv.bench.workload.RecordKeys.forRecords(16, 250),
                250);
        assertThat(target.data()).containsKeys(ByteBuffer.wrap(op.key(0)), ByteBuffer.wrap(op.key(249)));
        assertThat(target.sessions()).hasSize(3); // 100 + 100 + 50 records
    }

    @Test
    void aFailedLoadIsThrownNamingHowFarItGot() {
        InMemoryTxnTarget target = new InMemoryTxnTarget(
                null,
                Duration.ZERO,
                attempt -> attempt == 2 ? new InMemoryTxnTarget.Failure(TxnOutcome.ABORTED) : null);
        DriverConfig cfg = config(1, 300, Duration.ofSeconds(1), 0, Duration.ZERO);
        assertThatThrownBy(() -> new TxnDriver(new FakeClock(), null).load(target, cfg))
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("after 100 of 300 records");
    }
}
