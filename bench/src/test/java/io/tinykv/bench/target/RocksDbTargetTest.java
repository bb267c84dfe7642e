package io.tinykv.bench.target;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.bench.driver.BenchDriver;
import io.tinykv.bench.driver.DriverConfig;
import io.tinykv.bench.driver.RunResult;
import io.tinykv.bench.workload.Workload;
import io.tinykv.client.Clock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process RocksDB target end to end: a tiny load and run, counted by operations. */
class RocksDbTargetTest {

    @TempDir
    Path dir;

    @Test
    void tinyRunCountsEveryOperationWithoutErrors() throws Exception {
        DriverConfig cfg = DriverConfig.builder()
                .workload(Workload.A)
                .recordCount(200)
                .clients(2)
                .duration(Duration.ZERO)
                .operationCount(400)
                .seed(9)
                .build();
        RunResult r;
        try (RocksDbTarget target = new RocksDbTarget(new TargetSpec.RocksDb(dir.resolve("db"), true))) {
            target.open();
            r = new BenchDriver(Clock.system(), null).loadAndRun(target, cfg);
        }
        assertThat(r.load().records()).isEqualTo(200);
        assertThat(r.operations()).isEqualTo(400);
        assertThat(r.errors()).isZero();
        assertThat(r.readsNotFound()).isZero();
        assertThat(r.reads().count()).isPositive();
        assertThat(r.updates().count()).isPositive();
        assertThat(r.all().p50Micros()).isPositive();
    }

    @Test
    void writesSurviveReopening() throws Exception {
        byte[] key = "u000000000000001".getBytes(StandardCharsets.US_ASCII);
        TargetSpec.RocksDb spec = new TargetSpec.RocksDb(dir.resolve("db"), true);
        try (RocksDbTarget target = new RocksDbTarget(spec)) {
            target.open();
            target.put(key, new byte[] {1, 2, 3});
            assertThat(target.get(key)).containsExactly(1, 2, 3);
            assertThat(target.get(new byte[] {9})).isNull();
        }
        try (RocksDbTarget target = new RocksDbTarget(spec)) {
            target.open();
            assertThat(target.get(key)).containsExactly(1, 2, 3);
        }
    }
}
