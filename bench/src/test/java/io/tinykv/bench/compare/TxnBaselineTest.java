package io.tinykv.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.bench.driver.DriverConfig;
import io.tinykv.bench.target.TargetSpec;
import io.tinykv.bench.testing.FakeLauncher;
import io.tinykv.bench.testing.FakeProbe;
import io.tinykv.bench.testing.InMemoryTarget;
import io.tinykv.bench.testing.InMemoryTxnTarget;
import io.tinykv.bench.txn.TxnBaselineReport;
import io.tinykv.bench.txn.TxnBaselineRow;
import io.tinykv.bench.workload.KeyDistribution;
import io.tinykv.bench.workload.Workload;
import io.tinykv.client.Clock;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transaction baseline's orchestration with a fake process, probe and targets: nothing is started. */
class TxnBaselineTest {

    private static final long OPS_PER_RUN = 40;
    private static final long RECORDS = 150;

    @TempDir
    Path dir;

    @Test
    void startsTinykvOnceLoadsBothKeySpacesRunsTxnAndRawPutPerConcurrencyAndStopsIt() throws Exception {
        Path script = dir.resolve("repo/bin/tinykv");
        Files.createDirectories(script.getParent());
        Files.writeString(script, "#!/bin/sh\nexit 1\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        DriverConfig base = DriverConfig.builder()
                .workload(Workload.W)
                .distribution(KeyDistribution.UNIFORM)
                .recordCount(RECORDS)
                .valueSizeBytes(32)
                .clients(1)
                .duration(Duration.ZERO)
                .operationCount(OPS_PER_RUN)
                .seed(5)
                .build();
        ComparisonSettings settings = new ComparisonSettings(
                List.of(new WorkloadCase("RawPut", Workload.W)),
                List.of(1, 3),
                base,
                dir.resolve("out"),
                true,
                TinyKvTopology.STANDALONE,
                script,
                List.of(),
                "",
                "127.0.0.1",
                0,
                20960,
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                false,
                "bench txn-baseline (test)");
        FakeLauncher launcher = new FakeLauncher();
        List<InMemoryTarget> raw = new ArrayList<>();
        List<TargetSpec> rawSpecs = new ArrayList<>();
        BenchEnvironment env = new BenchEnvironment(
                launcher,
                new FakeProbe(),
                spec -> {
                    InMemoryTarget t = InMemoryTarget.instant(spec.kind());
                    raw.add(t);
                    rawSpecs.add(spec);
                    return t;
                },
                Clock.system(),
                new PrintStream(OutputStream.nullOutputStream()),
                name -> Optional.empty(),
                false);
        InMemoryTxnTarget txn = InMemoryTxnTarget.instant();
        List<List<String>> pdSeen = new ArrayList<>();

        TxnBaselineReport report = new TxnBaseline(settings, env, pd -> {
                    pdSeen.add(pd);
                    return txn;
                })
                .execute();

        assertThat(launcher.started)
                .singleElement()
                .satisfies(p -> assertThat(p.spec.name()).isEqualTo("tinykv-standalone"));
        assertThat(launcher.started).noneMatch(FakeLauncher.FakeProcess::isAlive);
        assertThat(pdSeen).singleElement().isEqualTo(((TargetSpec.TinyKv) rawSpecs.getFirst()).pdAddresses());
        assertThat(txn.opened && txn.closed).isTrue();
        assertThat(raw)
                .singleElement()
                .satisfies(t -> assertThat(t.closed.get()).isTrue());

        assertThat(report.rows()).extracting(TxnBaselineRow::clients).containsExactly(1, 3);
        assertThat(report.rows()).allSatisfy(r -> {
            assertThat(r.txn().committed()).isEqualTo(OPS_PER_RUN);
            assertThat(r.rawPut().operations()).isEqualTo(OPS_PER_RUN);
        });
        // Both key spaces hold every record: the transactional one also the transactions' writes.
        assertThat(txn.data()).hasSize((int) RECORDS);
        assertThat(raw.getFirst().data()).hasSize((int) RECORDS);
        assertThat(Files.exists(dir.resolve("out/txn-baseline.json"))).isTrue();
    }
}
