package io.tinykv.bench;

import io.tinykv.bench.compare.BenchEnvironment;
import io.tinykv.bench.driver.BenchDriver;
import io.tinykv.bench.driver.DriverConfig;
import io.tinykv.bench.driver.RunResult;
import io.tinykv.bench.report.RunReport;
import io.tinykv.bench.target.BenchTarget;
import io.tinykv.bench.target.TargetSpec;
import io.tinykv.bench.workload.Workload;
import io.tinykv.security.SecurityOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bench run}: one workload against one running system. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Runs one workload against one system and writes JSON and HTML results.")
public final class RunCommand implements Callable<Integer> {

    @ParentCommand
    BenchCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--target", required = true, description = "tinykv, tikv-client, etcd or rocksdb")
    String target;

    @Option(names = "--pd", split = ",", description = "PD addresses (tinykv, tikv-client), e.g. 127.0.0.1:20160")
    List<String> pd = new ArrayList<>();

    @Option(names = "--endpoints", split = ",", description = "etcd client URLs, e.g. http://127.0.0.1:2379")
    List<String> endpoints = new ArrayList<>();

    @Option(names = "--data-dir", description = "the rocksdb target's directory (default: <out>/rocksdb-data)")
    Path dataDir;

    @Option(names = "--no-sync", negatable = false, description = "rocksdb target: do not fsync each write")
    boolean noSync;

    @Option(
            names = "--workload",
            description = "A (50/50), B (95/5), C (read only) or W (write only) (default: ${DEFAULT-VALUE})")
    String workload = "A";

    @Option(names = "--clients", description = "concurrent closed-loop clients (default: ${DEFAULT-VALUE})")
    int clients = 16;

    @Option(names = "--out", description = "directory for the JSON and HTML results (default: ${DEFAULT-VALUE})")
    Path out = Path.of("bench-results");

    @Option(
            names = "--request-timeout",
            converter = DurationConverter.class,
            description = "per-request deadline (default: ${DEFAULT-VALUE})")
    Duration requestTimeout = Duration.ofSeconds(10);

    @Mixin
    DriverOptions driverOptions = new DriverOptions();

    /** TLS for the tinykv and tikv-client targets (a cluster started with [security]). */
    @Mixin
    SecurityOptions security = new SecurityOptions();

    @Override
    public Integer call() throws Exception {
        BenchEnvironment env = parent.environment();
        TargetSpec targetSpec = targetSpec();
        DriverConfig config = driverOptions.toConfig(Workload.named(workload), clients);
        RunResult result;
        try (BenchTarget t = env.targets().create(targetSpec)) {
            t.open();
            result = new BenchDriver(env.clock(), env.log()).loadAndRun(t, config);
        }
        String base = String.format(
                Locale.ROOT,
                "run-%s-%s-c%d",
                targetSpec.kind(),
                config.workload().name(),
                clients);
        RunReport.write(out, base, "bench run: " + targetSpec.kind(), List.of(result));
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(summary(result));
        stdout.println("results: " + out.resolve(base + ".json") + ", " + out.resolve(base + ".html"));
        stdout.flush();
        return result.operations() > 0 ? 0 : 1;
    }

    TargetSpec targetSpec() {
        return switch (target) {
            case "tinykv" ->
                new TargetSpec.TinyKv(pd, requestTimeout, security.config().validate());
            case "tikv-client" ->
                new TargetSpec.TikvClient(pd, requestTimeout, security.config().validate());
            case "etcd" -> new TargetSpec.Etcd(endpoints, requestTimeout);
            case "rocksdb" -> new TargetSpec.RocksDb(dataDir != null ? dataDir : out.resolve("rocksdb-data"), !noSync);
            default ->
                throw new IllegalArgumentException(
                        "unknown target '" + target + "'; expected one of " + String.join(", ", TargetSpec.KINDS));
        };
    }

    static String summary(RunResult r) {
        return String.format(
                Locale.ROOT,
                "%s workload %s, %d clients: %.0f ops/s over %.1fs (%d ops, %d errors%s); latency ms p50 %.3f p95 %.3f p99 %.3f p99.9 %.3f max %.3f",
                r.target(),
                r.config().workload().name(),
                r.config().clients(),
                r.opsPerSecond(),
                r.measuredSeconds(),
                r.operations(),
                r.errors(),
                r.readsNotFound() > 0 ? ", " + r.readsNotFound() + " reads found nothing" : "",
                r.all().p50Micros() / 1000,
                r.all().p95Micros() / 1000,
                r.all().p99Micros() / 1000,
                r.all().p999Micros() / 1000,
                r.all().maxMicros() / 1000);
    }
}
