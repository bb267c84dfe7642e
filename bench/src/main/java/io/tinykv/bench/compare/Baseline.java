package io.tinykv.bench.compare;

import io.tinykv.bench.proc.ProcessGroup;
import io.tinykv.bench.report.Comparison;
import io.tinykv.bench.report.ComparisonCell;
import io.tinykv.bench.target.TargetSpec;
import io.tinykv.bench.workload.Workload;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The foundation's measured baseline: tinykv standalone RawPut and RawGet against RocksDB used
 * directly in process with the same sync setting, as a ratio — how much the server, gRPC and the
 * client cost on top of the physical store. Writes {@code baseline.json} and {@code baseline.html}.
 */
public final class Baseline {

    public static final String REPORT_NAME = "baseline";
    public static final List<WorkloadCase> WORKLOADS =
            List.of(new WorkloadCase("RawPut", Workload.W), new WorkloadCase("RawGet", Workload.C));
    public static final List<Integer> CLIENT_COUNTS = List.of(1, 16, 64);

    private final ComparisonSettings settings;
    private final BenchEnvironment env;

    public Baseline(ComparisonSettings settings, BenchEnvironment env) {
        this.settings = settings;
        this.env = env;
    }

    public Comparison execute() throws Exception {
        Files.createDirectories(settings.outDir());
        LocalServices.wipe(settings.dataDir());
        try (ProcessGroup group = env.newProcessGroup()) {
            boolean external = !settings.tinykvPd().isEmpty();
            List<String> pd =
                    new LocalServices(group, env.probe(), env.clock(), settings.startupTimeout()).tinykv(settings);
            List<SystemUnderTest> systems = List.of(
                    new SystemUnderTest("tinykv", new TargetSpec.TinyKv(pd, settings.requestTimeout())),
                    new SystemUnderTest(
                            "rocksdb", new TargetSpec.RocksDb(settings.dataDir().resolve("rocksdb"), true)));
            List<ComparisonCell> cells = new ComparisonRunner(env.targets(), env.driver(), env.log())
                    .run(systems, settings.workloads(), settings.clientCounts(), settings.base());

            Map<String, String> setup = new LinkedHashMap<>();
            setup.put("command", settings.commandLine());
            setup.put(
                    "tinykv",
                    external
                            ? settings.tinykvLabel() + " at " + String.join(",", pd)
                            : settings.topology().description() + " at " + pd.get(0)
                                    + " through io.tinykv.client.raw.RawKvClient");
            setup.put("rocksdb", "rocksdbjni in the benchmark process, WAL on, sync=true on every write");
            EtcdComparison.putDriverSetup(setup, settings);
            Comparison comparison = new Comparison(
                    "tinykv " + settings.topology().name().toLowerCase(java.util.Locale.ROOT)
                            + " baseline vs RocksDB in process",
                    List.of(
                            "RawPut is workload W (every operation a put), RawGet is workload C (every operation a get)"
                                    + " over loaded records. The ratio tinykv/rocksdb is what the server, gRPC and the"
                                    + " client leave of the physical store's throughput.",
                            "The benchmark clients and the in-process RocksDB share the machine ("
                                    + Runtime.getRuntime().availableProcessors() + " cores) with the tinykv server."),
                    setup,
                    "tinykv",
                    "rocksdb",
                    List.of("tinykv", "rocksdb"),
                    cells);
            comparison.write(settings.outDir(), REPORT_NAME);
            return comparison;
        }
    }
}
