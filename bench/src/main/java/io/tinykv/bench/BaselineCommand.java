package io.tinykv.bench;

import io.tinykv.bench.compare.Baseline;
import io.tinykv.bench.compare.ComparisonSettings;
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

/** {@code bench baseline}: tinykv standalone RawPut/RawGet next to RocksDB in process. */
@Command(
        name = "baseline",
        mixinStandardHelpOptions = true,
        description = {
            "Starts tinykv (standalone, or the playground with --tinykv playground), measures RawPut and RawGet throughput and p99 at 1, 16 and 64"
                    + " clients next to RocksDB used in process with the same sync setting, and prints the ratio.",
            "Writes baseline.json and baseline.html into --out."
        })
public final class BaselineCommand implements Callable<Integer> {

    @ParentCommand
    BenchCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--clients", split = ",", description = "concurrencies to run (default: 1,16,64)")
    List<Integer> clients = new ArrayList<>(Baseline.CLIENT_COUNTS);

    @Option(names = "--out", description = "results, logs and data directories (default: ${DEFAULT-VALUE})")
    Path out = Path.of("bench-results/baseline");

    @Mixin
    ServerOptions server = new ServerOptions();

    @Mixin
    DriverOptions driverOptions = new DriverOptions();

    @Override
    public Integer call() throws Exception {
        ComparisonSettings settings = new ComparisonSettings(
                Baseline.WORKLOADS,
                ListParsing.clients(clients),
                driverOptions.toConfig(Workload.W, 1),
                out,
                true,
                server.topologyOr(TinyKvTopology.STANDALONE),
                server.tinykvLauncher,
                server.tinykvPd,
                server.tinykvLabel,
                server.host,
                0,
                server.tinykvPort,
                server.startupTimeout,
                server.requestTimeout,
                true,
                BenchCommand.invocation(spec));
        Comparison comparison = new Baseline(settings, parent.environment()).execute();
        PrintWriter stdout = spec.commandLine().getOut();
        comparison.notes().forEach(n -> stdout.println("NOTE: " + n));
        stdout.print(comparison.table());
        stdout.println("results: " + out.resolve(Baseline.REPORT_NAME + ".json") + ", "
                + out.resolve(Baseline.REPORT_NAME + ".html"));
        stdout.flush();
        return 0;
    }
}
