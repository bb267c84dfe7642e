package io.tinykv.bench.compare;

import io.tinykv.bench.driver.BenchDriver;
import io.tinykv.bench.driver.BenchException;
import io.tinykv.bench.driver.DriverConfig;
import io.tinykv.bench.driver.LoadResult;
import io.tinykv.bench.driver.RunResult;
import io.tinykv.bench.proc.ProcessGroup;
import io.tinykv.bench.target.BenchTarget;
import io.tinykv.bench.target.TargetSpec;
import io.tinykv.bench.txn.CommitMode;
import io.tinykv.bench.txn.TinyKvTxnTarget;
import io.tinykv.bench.txn.TwoKeyReadWrite;
import io.tinykv.bench.txn.TxnBaselineReport;
import io.tinykv.bench.txn.TxnBaselineRow;
import io.tinykv.bench.txn.TxnDriver;
import io.tinykv.bench.txn.TxnRunResult;
import io.tinykv.bench.txn.TxnTarget;
import io.tinykv.bench.workload.Workload;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The transactions' measured baseline: starts tinykv standalone once, loads the records twice (as
 * transactional keys and as raw keys), then at each concurrency runs 2-key read-write transactions
 * and, right after, RawPut — so the ratio compares two runs against the same server minutes apart.
 * Stops what it started also on failure. Writes {@code txn-baseline.json}.
 */
public final class TxnBaseline {

    public static final List<Integer> CLIENT_COUNTS = List.of(1, 16, 64);

    private final ComparisonSettings settings;
    private final BenchEnvironment env;
    private final List<Function<List<String>, TxnTarget>> txnTargets;
    /** The transactional target's name (which commit it uses), once {@link #measure} made it. */
    private String txnName = "";

    /** @param txnTargets makes the transactional target for the PD addresses (tests pass a fake) */
    public TxnBaseline(
            ComparisonSettings settings, BenchEnvironment env, Function<List<String>, TxnTarget> txnTargets) {
        this(settings, env, List.of(txnTargets));
    }

    /**
     * @param txnTargets one transactional target per way of committing to compare; at each concurrency
     *     each runs in turn against the same server, then RawPut once
     */
    public TxnBaseline(
            ComparisonSettings settings, BenchEnvironment env, List<Function<List<String>, TxnTarget>> txnTargets) {
        if (txnTargets.isEmpty()) {
            throw new IllegalArgumentException("txn-baseline needs at least one transactional target");
        }
        this.settings = settings;
        this.env = env;
        this.txnTargets = List.copyOf(txnTargets);
    }

    /** Against the real tinykv client, once per commit mode (the table's ratios are against the first). */
    public static TxnBaseline real(ComparisonSettings settings, BenchEnvironment env, List<CommitMode> modes) {
        return new TxnBaseline(
                settings,
                env,
                modes.stream()
                        .<Function<List<String>, TxnTarget>>map(
                                mode -> pd -> new TinyKvTxnTarget(pd, settings.requestTimeout(), mode))
                        .toList());
    }

    /** Against the real tinykv client, with its default commit (1PC where the keys allow). */
    public static TxnBaseline real(ComparisonSettings settings, BenchEnvironment env) {
        return new TxnBaseline(settings, env, pd -> new TinyKvTxnTarget(pd, settings.requestTimeout()));
    }

    /** Against the real tinykv client, asking for 1PC or always committing in two phases. */
    public static TxnBaseline real(ComparisonSettings settings, BenchEnvironment env, boolean tryOnePc) {
        return new TxnBaseline(settings, env, pd -> new TinyKvTxnTarget(pd, settings.requestTimeout(), tryOnePc));
    }

    public TxnBaselineReport execute() throws Exception {
        Files.createDirectories(settings.outDir());
        LocalServices.wipe(settings.dataDir());
        try (ProcessGroup group = env.newProcessGroup()) {
            boolean external = !settings.tinykvPd().isEmpty();
            List<String> pd =
                    new LocalServices(group, env.probe(), env.clock(), settings.startupTimeout()).tinykv(settings);
            List<TxnBaselineRow> rows = measure(pd);
            Map<String, String> setup = new LinkedHashMap<>();
            setup.put("command", settings.commandLine());
            setup.put(
                    "tinykv",
                    external
                            ? settings.tinykvLabel() + " at " + String.join(",", pd)
                            : settings.topology().description() + " at " + pd.get(0));
            setup.put(
                    "transaction",
                    "begin; get 2 distinct records; put both with fresh values; commit"
                            + " (io.tinykv.client.txn.TxnKvClient as " + txnName
                            + "); timed begin to commit; a write conflict"
                            + " or other abort is counted, not retried; keys start with '"
                            + (char) TwoKeyReadWrite.KEY_PREFIX + "'");
            setup.put("rawPut", "workload W through io.tinykv.client.raw.RawKvClient, same concurrency, right after");
            EtcdComparison.putDriverSetup(setup, settings);
            TxnBaselineReport report = new TxnBaselineReport(setup, rows);
            report.write(settings.outDir());
            return report;
        }
    }

    private List<TxnBaselineRow> measure(List<String> pd) throws Exception {
        DriverConfig base = settings.base();
        int loadClients = Math.min(
                ComparisonRunner.MAX_LOAD_CLIENTS,
                settings.clientCounts().stream()
                        .mapToInt(Integer::intValue)
                        .max()
                        .orElse(1));
        TxnDriver txnDriver = new TxnDriver(env.clock(), env.log());
        BenchDriver rawDriver = env.driver();
        List<TxnTarget> txns = new ArrayList<>();
        try (BenchTarget raw = env.targets().create(new TargetSpec.TinyKv(pd, settings.requestTimeout()))) {
            txnTargets.forEach(make -> txns.add(make.apply(pd)));
            txnName = String.join(", ", txns.stream().map(TxnTarget::name).toList());
            try {
                for (TxnTarget txn : txns) {
                    txn.open();
                }
                raw.open();
            } catch (Exception e) {
                throw new BenchException("cannot connect to tinykv at " + pd + ": " + e.getMessage(), e);
            }
            LoadResult rawLoad = LoadResult.SKIPPED;
            if (base.load()) {
                txnDriver.load(txns.getFirst(), base.withClients(loadClients));
                rawLoad = rawDriver.load(raw, base.withWorkload(Workload.W).withClients(loadClients));
            }
            List<TxnBaselineRow> rows = new ArrayList<>();
            for (int clients : settings.clientCounts()) {
                List<TxnRunResult> runs = new ArrayList<>();
                for (TxnTarget txn : txns) {
                    env.log().printf("== %s: 2-key read-write transactions, %d clients%n", txn.name(), clients);
                    TxnRunResult t = txnDriver.run(txn, base.withClients(clients));
                    if (t.errors() > 0) {
                        env.log().printf("   %d errors, e.g. %s%n", t.errors(), t.errorSamples());
                    }
                    runs.add(t);
                }
                env.log().printf("== %s: RawPut, %d clients%n", raw.name(), clients);
                RunResult r = rawDriver.run(raw, base.withWorkload(Workload.W).withClients(clients), rawLoad);
                if (r.errors() > 0) {
                    env.log().printf("   %d errors, e.g. %s%n", r.errors(), r.errorSamples());
                }
                runs.forEach(t -> rows.add(new TxnBaselineRow(clients, t, r)));
            }
            return rows;
        } finally {
            for (TxnTarget txn : txns) {
                try {
                    txn.close();
                } catch (Exception e) {
                    env.log().printf("closing %s: %s%n", txn.name(), e);
                }
            }
        }
    }
}
