package io.tinykv.bench;

import io.tinykv.bench.compare.ComparisonSettings;
import io.tinykv.bench.compare.TinyKvTopology;
import io.tinykv.bench.compare.TxnBaseline;
import io.tinykv.bench.compare.WorkloadCase;
import io.tinykv.bench.txn.CommitMode;
import io.tinykv.bench.txn.TxnBaselineReport;
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

/** {@code bench txn-baseline}: 2-key read-write transactions next to RawPut on tinykv standalone. */
@Command(
        name = "txn-baseline",
        mixinStandardHelpOptions = true,
        description = {
            "Starts tinykv standalone once, loads the records, and at 1, 16 and 64 clients measures"
                    + " 2-key read-write transactions (txn/s, p50/p99, abort rate) and then RawPut, and prints the ratio.",
            "Writes txn-baseline.json into --out."
        })
public final class TxnBaselineCommand implements Callable<Integer> {

    @ParentCommand
    BenchCommand parent;

    @Spec
    CommandSpec spec;

    @Option(names = "--clients", split = ",", description = "concurrencies to run (default: 1,16,64)")
    List<Integer> clients = new ArrayList<>(TxnBaseline.CLIENT_COUNTS);

    @Option(names = "--out", description = "results, logs and data directories (default: ${DEFAULT-VALUE})")
    Path out = Path.of("bench-results/txn-baseline");

    @Option(
            names = "--one-pc",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "transactions whose keys lie in one region commit in one phase (1PC) where the store"
                    + " allows it (the playground's stores do, standalone never); --no-one-pc: always two phases"
                    + " (default: ${DEFAULT-VALUE})")
    boolean onePc = true;

    @Option(
            names = "--commit",
            split = ",",
            description = "commit modes to compare in one run, each against the same server: 2pc, async (async"
                    + " commit), 1pc; the table gives each mode's txn/s over the first's (overrides --one-pc;"
                    + " the stores must sync max ts for async and 1pc, so use --tinykv=playground)")
    List<String> commitModes = new ArrayList<>();

    @Mixin
    ServerOptions server = new ServerOptions();

    @Mixin
    DriverOptions driverOptions = new DriverOptions();

    @Override
    public Integer call() throws Exception {
        ComparisonSettings settings = new ComparisonSettings(
                List.of(new WorkloadCase("RawPut", Workload.W)),
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
                false,
                BenchCommand.invocation(spec));
        TxnBaselineReport report = (commitModes.isEmpty()
                        ? TxnBaseline.real(settings, parent.environment(), onePc)
                        : TxnBaseline.real(
                                settings,
                                parent.environment(),
                                commitModes.stream().map(CommitMode::parse).toList()))
                .execute();
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.print(report.table());
        stdout.println("results: " + out.resolve(TxnBaselineReport.REPORT_NAME + ".json"));
        stdout.flush();
        return 0;
    }
}
