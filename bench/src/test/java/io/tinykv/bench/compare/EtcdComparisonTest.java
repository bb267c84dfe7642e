package io.tinykv.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.bench.driver.BenchException;
import io.tinykv.bench.driver.DriverConfig;
import io.tinykv.bench.report.Comparison;
import io.tinykv.bench.report.ComparisonCell;
import io.tinykv.bench.target.BenchTarget;
import io.tinykv.bench.target.TargetFactory;
import io.tinykv.bench.target.TargetSpec;
import io.tinykv.bench.testing.FakeClock;
import io.tinykv.bench.testing.FakeLauncher;
import io.tinykv.bench.testing.FakeProbe;
import io.tinykv.bench.testing.InMemoryTarget;
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
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The comparison's orchestration with fake processes, probes and targets: nothing is started. */
class EtcdComparisonTest {

    private static final long OPS_PER_RUN = 50;
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path dir;

    private Path launcherScript;
    private final FakeLauncher launcher = new FakeLauncher();
    private final FakeProbe probe = new FakeProbe();
    private final List<TargetSpec> createdSpecs = new ArrayList<>();
    private final List<InMemoryTarget> created = new ArrayList<>();

    @BeforeEach
    void fakeLauncherScript() throws Exception {
        launcherScript = dir.resolve("repo/bin/tinykv");
        Files.createDirectories(launcherScript.getParent());
        Files.writeString(launcherScript, "#!/bin/sh\nexit 1\n");
        Files.setPosixFilePermissions(launcherScript, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private ComparisonSettings settings(boolean single, List<String> externalPd) {
        return settings(single, externalPd, Duration.ZERO);
    }

    private ComparisonSettings settings(boolean single, List<String> externalPd, Duration warmup) {
        DriverConfig base = DriverConfig.builder()
                .workload(Workload.A)
                .recordCount(100)
                .valueSizeBytes(32)
                .clients(1)
                .duration(Duration.ZERO)
                .operationCount(OPS_PER_RUN)
                .warmup(warmup)
                .seed(5)
                .build();
        return new ComparisonSettings(
                List.of(WorkloadCase.of(Workload.A), WorkloadCase.of(Workload.W)),
                List.of(1, 2),
                base,
                dir.resolve("out"),
                single,
                single ? TinyKvTopology.STANDALONE : TinyKvTopology.PLAYGROUND,
                launcherScript,
                externalPd,
                "external tinykv",
                "127.0.0.1",
                32379,
                20960,
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                true,
                "bench compare-etcd (test)");
    }

    private TargetFactory recordingTargets(Function<TargetSpec, InMemoryTarget> make) {
        return spec -> {
            InMemoryTarget t = make.apply(spec);
            synchronized (created) {
                createdSpecs.add(spec);
                created.add(t);
            }
            return t;
        };
    }

    private BenchEnvironment env(TargetFactory targets, Clock clock) {
        return new BenchEnvironment(
                launcher, probe, targets, clock, QUIET, name -> Optional.of(Path.of("/usr/bin/etcd")), false);
    }

    private BenchEnvironment env() {
        return env(recordingTargets(spec -> InMemoryTarget.instant(spec.kind())), Clock.system());
    }

    private List<String> startedNames() {
        return launcher.started.stream().map(p -> p.spec.name()).toList();
    }

    private void assertEverythingStopped() {
        assertThat(launcher.started).isNotEmpty().noneMatch(FakeLauncher.FakeProcess::isAlive);
        List<String> reversed = new ArrayList<>(startedNames());
        java.util.Collections.reverse(reversed);
        assertThat(launcher.stopOrder).containsExactlyElementsOf(reversed);
        assertThat(created).allMatch(t -> t.closed.get());
    }

    @Test
    void runsEveryWorkloadAndConcurrencyOnAllThreeSystemsAndStopsEverything() throws Exception {
        Comparison c = new EtcdComparison(settings(false, List.of()), env()).execute();

        assertThat(startedNames()).containsExactly("etcd-1", "etcd-2", "etcd-3", "tinykv-playground");
        assertThat(launcher.started.get(3).spec.command())
                .containsSubsequence("playground", "--stores", "3", "--pd-port", "20960", "--base-port", "20970");
        assertEverythingStopped();
        assertThat(c.systems()).containsExactly("tinykv", "etcd", "rocksdb");
        assertThat(c.cells()).extracting(ComparisonCell::workload).containsExactly("A", "A", "W", "W");
        assertThat(c.cells()).extracting(ComparisonCell::clients).containsExactly(1, 2, 1, 2);
        for (ComparisonCell cell : c.cells()) {
            assertThat(cell.systems()).containsOnlyKeys("tinykv", "etcd", "rocksdb");
            cell.systems().values().forEach(s -> assertThat(s.operations()).isEqualTo(OPS_PER_RUN));
            assertThat(cell.throughputRatio("tinykv", "etcd")).isPositive();
        }
        // Each target opened once and loaded once (100 records), whatever the number of runs.
        assertThat(created).hasSize(3);
        assertThat(created).allSatisfy(t -> assertThat(t.data()).hasSize(100));
        TargetSpec.TinyKv tinykv = (TargetSpec.TinyKv) createdSpecs.get(0);
        assertThat(tinykv.pdAddresses()).containsExactly("127.0.0.1:20960");
        TargetSpec.Etcd etcd = (TargetSpec.Etcd) createdSpecs.get(1);
        assertThat(etcd.endpoints()).hasSize(3);
        TargetSpec.RocksDb rocks = (TargetSpec.RocksDb) createdSpecs.get(2);
        assertThat(rocks.syncWrites()).isTrue();
        assertThat(rocks.dataDir().startsWith(dir.resolve("out"))).isTrue();

        assertThat(c.notes().get(0)).startsWith("Replicated comparison").contains("3 etcd member(s)");
        assertThat(Files.exists(dir.resolve("out/compare-etcd.json"))).isTrue();
        assertThat(Files.readString(dir.resolve("out/compare-etcd.html"))).contains("Replicated comparison");
    }

    @Test
    void withAWarmUpEachSystemRunsEveryWorkloadUnmeasuredBeforeItsFirstCell() throws Exception {
        var logBytes = new java.io.ByteArrayOutputStream();
        BenchEnvironment env = new BenchEnvironment(
                launcher,
                probe,
                recordingTargets(spec -> InMemoryTarget.instant(spec.kind())),
                Clock.system(),
                new PrintStream(logBytes, true, java.nio.charset.StandardCharsets.UTF_8),
                name -> Optional.of(Path.of("/usr/bin/etcd")),
                false);

        Comparison c = new EtcdComparison(settings(false, List.of(), Duration.ofMillis(10)), env).execute();

        List<String> sections = logBytes.toString(java.nio.charset.StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.startsWith("== "))
                .toList();
        // Primed once, with both workloads at 16 clients or more, right before the first cell.
        assertThat(sections)
                .containsSubsequence(
                        "== tinykv: priming with workload A, 16 clients, 0s (not measured)",
                        "== tinykv: priming with workload W, 16 clients, 0s (not measured)",
                        "== tinykv: workload A (50% read / 50% update), 1 clients",
                        "== etcd: priming with workload A, 16 clients, 0s (not measured)",
                        "== etcd: priming with workload W, 16 clients, 0s (not measured)",
                        "== etcd: workload A (50% read / 50% update), 1 clients");
        assertThat(sections.stream().filter(l -> l.contains("priming"))).hasSize(6);
        // The measured cells are as without priming.
        for (ComparisonCell cell : c.cells()) {
            cell.systems().values().forEach(s -> assertThat(s.operations()).isEqualTo(OPS_PER_RUN));
        }
        assertEverythingStopped();
    }

    @Test
    void singleModeStartsOneEtcdMemberAndSaysSo() throws Exception {
        Comparison c = new EtcdComparison(settings(true, List.of()), env()).execute();
        assertThat(startedNames()).containsExactly("etcd-1", "tinykv-standalone");
        assertThat(c.notes().get(0)).contains("standalone").contains("neither replicates");
        assertEverythingStopped();
    }

    @Test
    void anAlreadyRunningTinykvIsNotStarted() throws Exception {
        Comparison c = new EtcdComparison(settings(false, List.of("10.0.0.1:2379")), env()).execute();
        assertThat(startedNames()).containsExactly("etcd-1", "etcd-2", "etcd-3");
        assertThat(c.notes().get(0)).contains("already running");
        assertThat(((TargetSpec.TinyKv) createdSpecs.get(0)).pdAddresses()).containsExactly("10.0.0.1:2379");
    }

    @Test
    void aTargetThatCannotConnectStillStopsEveryProcessAndClosesOpenTargets() {
        TargetFactory targets = recordingTargets(spec -> {
            InMemoryTarget t = InMemoryTarget.instant(spec.kind());
            if (spec instanceof TargetSpec.Etcd) {
                t.openFailure = "connection refused";
            }
            return t;
        });

        assertThatThrownBy(() -> new EtcdComparison(settings(false, List.of()), env(targets, Clock.system())).execute())
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("cannot connect to etcd");
        assertEverythingStopped();
    }

    @Test
    void aFailedLoadStopsEveryProcess() {
        TargetFactory targets = recordingTargets(spec -> spec instanceof TargetSpec.TinyKv
                ? new InMemoryTarget("tinykv", null, Duration.ZERO, 1)
                : InMemoryTarget.instant(spec.kind()));
        assertThatThrownBy(() -> new EtcdComparison(settings(false, List.of()), env(targets, Clock.system())).execute())
                .hasMessageContaining("loading tinykv failed");
        assertEverythingStopped();
    }

    @Test
    void etcdThatNeverBecomesHealthyTimesOutOnVirtualTimeAndIsStopped() {
        probe.etcdHealthy = false;
        BenchEnvironment env = env(recordingTargets(spec -> InMemoryTarget.instant(spec.kind())), new FakeClock());
        assertThatThrownBy(() -> new EtcdComparison(settings(false, List.of()), env).execute())
                .isInstanceOf(BenchException.class)
                .hasMessageContaining("etcd-1 at http://127.0.0.1:32379 did not become ready within 5s");
        assertThat(startedNames()).containsExactly("etcd-1", "etcd-2", "etcd-3");
        assertEverythingStopped();
    }

    @Test
    void aServerThatExitsDuringStartupIsReportedAndTheOthersStopped() {
        probe.tinykvListening = false;
        BenchEnvironment env = new BenchEnvironment(
                new io.tinykv.bench.proc.ProcessLauncher() {
                    @Override
                    public io.tinykv.bench.proc.ManagedProcess start(io.tinykv.bench.proc.ProcessSpec spec) {
                        io.tinykv.bench.proc.ManagedProcess p = launcher.start(spec);
                        if (spec.name().startsWith("tinykv")) {
                            try {
                                p.stop(Duration.ZERO); // it "crashes" at once
                            } catch (InterruptedException e) {
                                throw new AssertionError(e);
                            }
                        }
                        return p;
                    }

                    @Override
                    public int run(io.tinykv.bench.proc.ProcessSpec spec, Duration timeout) {
                        return launcher.run(spec, timeout);
                    }
                },
                probe,
                recordingTargets(spec -> InMemoryTarget.instant(spec.kind())),
                new FakeClock(),
                QUIET,
                name -> Optional.of(Path.of("/usr/bin/etcd")),
                false);
        assertThatThrownBy(() -> new EtcdComparison(settings(true, List.of()), env).execute())
                .hasMessageContaining("tinykv standalone at 127.0.0.1:20960 exited before it became ready");
        assertThat(launcher.started).noneMatch(FakeLauncher.FakeProcess::isAlive);
    }

    @Test
    void aBusyPortIsReportedBeforeAnythingStarts() {
        probe.portsFree = false;
        assertThatThrownBy(() -> new EtcdComparison(settings(false, List.of()), env()).execute())
                .hasMessageContaining("port 127.0.0.1:32379 for etcd is already in use");
        assertThat(launcher.started).isEmpty();
    }

    @Test
    void baselineComparesTinykvWithRocksdbOnRawPutAndRawGet() throws Exception {
        ComparisonSettings s = settings(true, List.of());
        ComparisonSettings baseline = new ComparisonSettings(
                Baseline.WORKLOADS,
                List.of(1, 2),
                s.base(),
                s.outDir(),
                true,
                TinyKvTopology.STANDALONE,
                s.tinykvLauncher(),
                List.of(),
                "",
                s.host(),
                0,
                s.tinykvPort(),
                s.startupTimeout(),
                s.requestTimeout(),
                true,
                "bench baseline (test)");
        Comparison c = new Baseline(baseline, env()).execute();

        assertThat(startedNames()).containsExactly("tinykv-standalone");
        assertEverythingStopped();
        assertThat(c.ratioLabel()).isEqualTo("tinykv/rocksdb");
        assertThat(c.cells())
                .extracting(ComparisonCell::workload)
                .containsExactly("RawPut", "RawPut", "RawGet", "RawGet");
        assertThat(((TargetSpec.RocksDb) createdSpecs.get(1)).syncWrites()).isTrue();
        assertThat(Files.exists(dir.resolve("out/baseline.json"))).isTrue();
        assertThat(Files.exists(dir.resolve("out/baseline.html"))).isTrue();
    }

    @Test
    void unusedTargetKindsAreNotCreated() throws Exception {
        new EtcdComparison(settings(false, List.of()), env()).execute();
        assertThat(createdSpecs).noneMatch(spec -> spec instanceof TargetSpec.TikvClient);
        assertThat(created).extracting(BenchTarget::name).containsExactly("tinykv", "etcd", "rocksdb");
    }
}
