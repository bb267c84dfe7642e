package io.tinykv.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.bench.compare.BenchEnvironment;
import io.tinykv.bench.compare.ComparisonSettings;
import io.tinykv.bench.compare.TinyKvTopology;
import io.tinykv.bench.compare.WorkloadCase;
import io.tinykv.bench.target.TargetSpec;
import io.tinykv.bench.testing.FakeLauncher;
import io.tinykv.bench.testing.FakeProbe;
import io.tinykv.bench.testing.InMemoryTarget;
import io.tinykv.client.Clock;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class BenchCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private CommandLine cli() {
        BenchEnvironment env = new BenchEnvironment(
                new FakeLauncher(),
                new FakeProbe(),
                spec -> InMemoryTarget.instant(spec.kind()),
                Clock.system(),
                new PrintStream(OutputStream.nullOutputStream()),
                name -> Optional.of(Path.of("/usr/bin/etcd")),
                false);
        CommandLine cl = BenchCommand.commandLine(new BenchCommand(() -> env));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl;
    }

    @Test
    void durationsParseInTheUsualUnits() {
        assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationConverter.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DurationConverter.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationConverter.parse("10")).isEqualTo(Duration.ofSeconds(10));
        assertThatThrownBy(() -> DurationConverter.parse("soon")).hasMessageContaining("not a duration");
    }

    @Test
    void compareEtcdOptionsBecomeSettings() {
        CommandLine cl = cli();
        CommandLine.ParseResult parsed = cl.parseArgs(
                "compare-etcd",
                "--workloads",
                "A,W",
                "--clients",
                "1,16",
                "--duration",
                "10s",
                "--single",
                "--out",
                dir.toString(),
                "--etcd-base-port",
                "40000");
        CompareEtcdCommand cmd = parsed.subcommand().commandSpec().commandLine().getCommand();
        ComparisonSettings s = cmd.settings();
        assertThat(s.workloads()).extracting(WorkloadCase::label).containsExactly("A", "W");
        assertThat(s.clientCounts()).containsExactly(1, 16);
        assertThat(s.base().duration()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.base().keySizeBytes()).isEqualTo(16);
        assertThat(s.base().valueSizeBytes()).isEqualTo(256);
        assertThat(s.single()).isTrue();
        assertThat(s.etcdBasePort()).isEqualTo(40000);
        assertThat(s.withRocksdb()).isTrue();
        assertThat(s.commandLine()).startsWith("bench compare-etcd --workloads A,W");
    }

    @Test
    void compareEtcdDefaultsMatchTheIssue() {
        CommandLine.ParseResult parsed = cli().parseArgs("compare-etcd");
        CompareEtcdCommand cmd = parsed.subcommand().commandSpec().commandLine().getCommand();
        ComparisonSettings s = cmd.settings();
        assertThat(s.workloads()).extracting(WorkloadCase::label).containsExactly("A", "C", "W");
        assertThat(s.clientCounts()).containsExactly(1, 16, 128);
        assertThat(s.base().duration()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.single()).isFalse();
        assertThat(s.topology()).isEqualTo(TinyKvTopology.PLAYGROUND);
    }

    @Test
    void theTinykvToStartIsChosenInLowerCaseAndSingleMeansStandalone() {
        CommandLine.ParseResult single = cli().parseArgs("compare-etcd", "--single");
        assertThat(((CompareEtcdCommand)
                                single.subcommand().commandSpec().commandLine().getCommand())
                        .settings()
                        .topology())
                .isEqualTo(TinyKvTopology.STANDALONE);
        CommandLine.ParseResult txn = cli().parseArgs("txn-baseline", "--tinykv", "playground");
        assertThat(((TxnBaselineCommand)
                                txn.subcommand().commandSpec().commandLine().getCommand())
                        .server.topologyOr(TinyKvTopology.STANDALONE))
                .isEqualTo(TinyKvTopology.PLAYGROUND);
    }

    @Test
    void runBuildsTheRequestedTarget() {
        CommandLine.ParseResult parsed =
                cli().parseArgs("run", "--target", "tikv-client", "--pd", "127.0.0.1:2379,127.0.0.1:2380");
        RunCommand cmd = parsed.subcommand().commandSpec().commandLine().getCommand();
        TargetSpec spec = cmd.targetSpec();
        assertThat(spec).isInstanceOf(TargetSpec.TikvClient.class);
        assertThat(((TargetSpec.TikvClient) spec).pdAddresses()).containsExactly("127.0.0.1:2379", "127.0.0.1:2380");
    }

    @Test
    void runAgainstAFakeTargetWritesJsonAndHtml() {
        int code = cli().execute(
                        "run",
                        "--target",
                        "etcd",
                        "--endpoints",
                        "127.0.0.1:1",
                        "--workload",
                        "B",
                        "--clients",
                        "2",
                        "--operations",
                        "100",
                        "--warmup",
                        "0s",
                        "--records",
                        "50",
                        "--out",
                        dir.toString());
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("etcd workload B, 2 clients").contains("100 ops, 0 errors");
        assertThat(Files.exists(dir.resolve("run-etcd-B-c2.json"))).isTrue();
        assertThat(Files.exists(dir.resolve("run-etcd-B-c2.html"))).isTrue();
    }

    @Test
    void badInputGetsAClearMessageAndANonZeroExit() {
        assertThat(cli().execute("run", "--target", "mongo")).isEqualTo(1);
        assertThat(err.toString()).contains("unknown target 'mongo'");
        assertThat(cli().execute("run", "--target", "tinykv")).isEqualTo(1);
        assertThat(err.toString()).contains("--pd");
        assertThat(cli().execute("compare-etcd", "--workloads", "Q")).isEqualTo(1);
        assertThat(err.toString()).contains("unknown workload 'Q'");
        assertThat(cli().execute("run", "--target", "etcd", "--duration", "soon"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("not a duration");
    }
}
