package io.tinykv.bench.compare;

import io.tinykv.bench.driver.BenchDriver;
import io.tinykv.bench.driver.BenchException;
import io.tinykv.bench.driver.DriverConfig;
import io.tinykv.bench.driver.LoadResult;
import io.tinykv.bench.driver.RunResult;
import io.tinykv.bench.report.ComparisonCell;
import io.tinykv.bench.target.BenchTarget;
import io.tinykv.bench.target.TargetFactory;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs every workload at every concurrency on every system, systems one after another within each
 * cell so that slow drift (compaction, page cache) spreads over all of them alike. Each target is
 * opened once, loaded and primed ({@link #prime}) once before its first run, and closed at the end,
 * also on failure.
 */
public final class ComparisonRunner {

    /** More loaders than this only queue up behind the store's group commit. */
    static final int MAX_LOAD_CLIENTS = 64;

    /** Priming at one client would run too few operations in its seconds to compile anything. */
    static final int MIN_PRIME_CLIENTS = 16;

    private final TargetFactory targets;
    private final BenchDriver driver;
    private final PrintStream log;

    public ComparisonRunner(TargetFactory targets, BenchDriver driver, PrintStream log) {
        this.targets = targets;
        this.driver = driver;
        this.log = log;
    }

    public List<ComparisonCell> run(
            List<SystemUnderTest> systems, List<WorkloadCase> workloads, List<Integer> clientCounts, DriverConfig base)
            throws Exception {
        if (systems.isEmpty() || workloads.isEmpty() || clientCounts.isEmpty()) {
            throw new IllegalArgumentException("a comparison needs at least one system, workload and client count");
        }
        Map<String, BenchTarget> open = new LinkedHashMap<>();
        Map<String, LoadResult> loads = new LinkedHashMap<>();
        try {
            for (SystemUnderTest s : systems) {
                BenchTarget target = targets.create(s.target());
                try {
                    target.open();
                } catch (Exception e) {
                    closeQuietly(target);
                    throw new BenchException("cannot connect to " + s.name() + ": " + e.getMessage(), e);
                }
                open.put(s.name(), target);
            }
            List<ComparisonCell> cells = new ArrayList<>();
            for (WorkloadCase w : workloads) {
                for (int clients : clientCounts) {
                    DriverConfig config = base.withWorkload(w.workload()).withClients(clients);
                    Map<String, RunResult> results = new LinkedHashMap<>();
                    for (SystemUnderTest s : systems) {
                        BenchTarget target = open.get(s.name());
                        LoadResult load = loads.get(s.name());
                        if (load == null) {
                            // Load with the most clients any cell uses: a load at one client would
                            // spend minutes on per-write fsyncs before the first measurement.
                            DriverConfig loadConfig = config.withClients(Math.min(
                                    MAX_LOAD_CLIENTS,
                                    clientCounts.stream()
                                            .mapToInt(Integer::intValue)
                                            .max()
                                            .orElse(1)));
                            load = base.load() ? driver.load(target, loadConfig) : LoadResult.SKIPPED;
                            loads.put(s.name(), load);
                            prime(target, s, workloads, loadConfig, load);
                        }
                        log.printf(
                                "== %s: workload %s (%s), %d clients%n",
                                s.name(), w.label(), w.workload().mix(), clients);
                        RunResult r = driver.run(target, config, load);
                        results.put(s.name(), r);
                        if (r.errors() > 0) {
                            log.printf("   %s had %d errors, e.g. %s%n", s.name(), r.errors(), r.errorSamples());
                        }
                    }
                    cells.add(ComparisonCell.of(w.label(), clients, results));
                }
            }
            return cells;
        } finally {
            open.values().forEach(ComparisonRunner::closeQuietly);
        }
    }

    /**
     * Runs every workload once, unmeasured, for the warm-up's length at the load's concurrency (at
     * least {@link #MIN_PRIME_CLIENTS}), before a system's first cell. A JVM server (tinykv) starts interpreted and compiles its hot
     * paths as they run: the load exercises only writes, and a cell's own warm-up at one client is
     * far too few operations, so the first cell (A at 1 client) measured the JIT compiler (about
     * 45% of the stores' CPU in it) rather than the server. A native server (etcd) loses nothing.
     * No priming when the runs have no warm-up.
     */
    private void prime(
            BenchTarget target,
            SystemUnderTest system,
            List<WorkloadCase> workloads,
            DriverConfig loadConfig,
            LoadResult load)
            throws InterruptedException {
        Duration primeEach = loadConfig.warmup();
        if (primeEach.isZero()) {
            return;
        }
        DriverConfig primeConfig = loadConfig.withClients(Math.max(MIN_PRIME_CLIENTS, loadConfig.clients()));
        for (WorkloadCase w : workloads) {
            log.printf(
                    "== %s: priming with workload %s, %d clients, %ds (not measured)%n",
                    system.name(), w.label(), primeConfig.clients(), primeEach.toSeconds());
            driver.run(target, primeConfig.withWorkload(w.workload()).runningFor(primeEach), load);
        }
    }

    private static void closeQuietly(BenchTarget target) {
        try {
            target.close();
        } catch (Exception e) {
            // Closing a client after its run is best effort; the results are already taken.
        }
    }
}
