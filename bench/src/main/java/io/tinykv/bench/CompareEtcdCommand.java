package io.tinykv.bench;

import io.tinykv.bench.compare.ComparisonSettings;
import io.tinykv.bench.compare.EtcdComparison;
import io.tinykv.bench.compare.TinyKvTopology;
import io.tinykv.bench.report.Comparison;
import io.tinykv.bench.workload.Workload;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code bench compare-etcd}: tinykv and etcd side by side on this machine. */
@Command(
        name = "compare-etcd",
        mixinStandardHelpOptions = true,
        description = {
            "Starts etcd (3 members, or 1 with --single) and tinykv (the 3-replica playground, or"
                    + " standalone with --single) on loopback, runs the same workloads"
                    + " against both and against RocksDB in process, stops everything, and prints throughput and p99"
                    + " with the ratio tinykv/etcd. Installs Debian's etcd-server if etcd is missing.",
            "Writes compare-etcd.json and compare-etcd.html into --out."
        })
public final class CompareEtcdCommand implements Callable<Integer> {

    @ParentCommand
    BenchCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--workloads", split = ",", description = "workloads to run (default: A,C,W)")
    List<String> workloads = new ArrayList<>(List.of("A", "C", "W"));

    @Option(names = "--clients", split = ",", description = "concurrencies to run (default: 1,16,128)")
    List<Integer> clients = new ArrayList<>(List.of(1, 16, 128));

    @Option(names = "--out", description = "results, logs and data directories (default: ${DEFAULT-VALUE})")
    Path out = Path.of("bench-results/compare-etcd");

    @Option(names = "--single", negatable = false, description = "one etcd member instead of three")
    boolean single;

    @Option(
            names = "--etcd-base-port",
            description = "first etcd port; two per member follow (default: ${DEFAULT-VALUE})")
    int etcdBasePort = 32379;

    @Option(names = "--no-rocksdb", negatable = false, description = "leave out the in-process RocksDB reference")
    boolean noRocksdb;

    @Mixin
    ServerOptions server = new ServerOptions();

    @Mixin
    DriverOptions driverOptions = new DriverOptions();

    @Override
    public Integer call() throws Exception {
        ComparisonSettings settings = settings();
        Comparison comparison = new EtcdComparison(settings, parent.environment()).execute();
        PrintWriter stdout = spec.commandLine().getOut();
        comparison.notes().forEach(n -> stdout.println("NOTE: " + n));
        stdout.print(comparison.table());
        stdout.println("results: " + out.resolve(EtcdComparison.REPORT_NAME + ".json") + ", "
                + out.resolve(EtcdComparison.REPORT_NAME + ".html"));
        stdout.flush();
        return 0;
    }

    ComparisonSettings settings() {
        return new ComparisonSettings(
                ListParsing.workloads(workloads),
                ListParsing.clients(clients),
                driverOptions.toConfig(Workload.A, 1),
                out,
                single,
                server.topologyOr(single ? TinyKvTopology.STANDALONE : TinyKvTopology.PLAYGROUND),
                server.tinykvLauncher,
                server.tinykvPd,
                server.tinykvLabel,
                server.host,
                etcdBasePort,
                server.tinykvPort,
                server.startupTimeout,
                server.requestTimeout,
                !noRocksdb,
                BenchCommand.invocation(spec));
    }
}
