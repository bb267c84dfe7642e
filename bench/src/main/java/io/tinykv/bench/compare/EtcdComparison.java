package io.tinykv.bench.compare;

import io.tinykv.bench.proc.EtcdClusterSpec;
import io.tinykv.bench.proc.EtcdInstaller;
import io.tinykv.bench.proc.ProcessGroup;
import io.tinykv.bench.proc.ProcessSpec;
import io.tinykv.bench.report.Comparison;
import io.tinykv.bench.report.ComparisonCell;
import io.tinykv.bench.target.TargetSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * tinykv side by side with etcd on this machine: starts an etcd cluster (three members, or one with
 * {@code single}) and tinykv, runs the same workloads against both (and RocksDB in process), stops
 * everything it started — also when something fails — and writes {@code compare-etcd.json} and
 * {@code compare-etcd.html}.
 */
public final class EtcdComparison {

    public static final String REPORT_NAME = "compare-etcd";
    static final int REPLICATED_ETCD_MEMBERS = 3;
    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(30);

    private final ComparisonSettings settings;
    private final BenchEnvironment env;

    public EtcdComparison(ComparisonSettings settings, BenchEnvironment env) {
        this.settings = settings;
        this.env = env;
    }

    public Comparison execute() throws Exception {
        Files.createDirectories(settings.outDir());
        LocalServices.wipe(settings.dataDir());
        try (ProcessGroup group = env.newProcessGroup()) {
            LocalServices services = new LocalServices(group, env.probe(), env.clock(), settings.startupTimeout());
            EtcdInstaller installer = new EtcdInstaller(env.launcher(), env.which(), settings.logDir(), env.log());
            Path etcdBinary = installer.ensureInstalled();
            int members = settings.single() ? 1 : REPLICATED_ETCD_MEMBERS;
            EtcdClusterSpec etcd = new EtcdClusterSpec(
                    etcdBinary,
                    members,
                    settings.host(),
                    settings.etcdBasePort(),
                    settings.dataDir().resolve("etcd"),
                    settings.logDir());
            List<String> etcdEndpoints = services.startEtcd(etcd);

            boolean external = !settings.tinykvPd().isEmpty();
            List<String> pd = services.tinykv(settings);

            List<SystemUnderTest> systems = new ArrayList<>();
            systems.add(new SystemUnderTest("tinykv", new TargetSpec.TinyKv(pd, settings.requestTimeout())));
            systems.add(new SystemUnderTest("etcd", new TargetSpec.Etcd(etcdEndpoints, settings.requestTimeout())));
            if (settings.withRocksdb()) {
                systems.add(new SystemUnderTest(
                        "rocksdb", new TargetSpec.RocksDb(settings.dataDir().resolve("rocksdb"), true)));
            }
            List<String> notes = notes(external, members);
            notes.forEach(n -> env.log().println("NOTE: " + n));

            List<ComparisonCell> cells = new ComparisonRunner(env.targets(), env.driver(), env.log())
                    .run(systems, settings.workloads(), settings.clientCounts(), settings.base());

            Comparison comparison = new Comparison(
                    "tinykv vs etcd",
                    notes,
                    setup(etcd, version(etcdBinary), pd, external),
                    "tinykv",
                    "etcd",
                    systems.stream().map(SystemUnderTest::name).toList(),
                    cells);
            comparison.write(settings.outDir(), REPORT_NAME);
            return comparison;
        }
    }

    /** What a reader must know to read the ratio honestly. */
    List<String> notes(boolean externalTinykv, int etcdMembers) {
        List<String> notes = new ArrayList<>();
        if (externalTinykv) {
            notes.add("tinykv was already running at " + String.join(",", settings.tinykvPd()) + " ("
                    + settings.tinykvLabel() + "); etcd ran with " + etcdMembers + " member(s).");
        } else if (settings.topology() == TinyKvTopology.STANDALONE) {
            notes.add("tinykv ran as one standalone node (no replication) against " + etcdMembers + " etcd member(s)"
                    + (etcdMembers == 1
                            ? "; neither replicates, both fsync every write before acknowledging it."
                            : "; this favours tinykv."));
        } else {
            notes.add("Replicated comparison: a tinykv playground (scheduler + 3 store processes, 3 replicas) against "
                    + etcdMembers + " etcd member(s); both acknowledge a write once a quorum has synced it to disk.");
        }
        notes.add("All servers and the benchmark clients share one machine ("
                + Runtime.getRuntime().availableProcessors()
                + " cores) and one disk; the clients compete with the servers for CPU.");
        return notes;
    }

    private Map<String, String> setup(EtcdClusterSpec etcd, String etcdVersion, List<String> pd, boolean external) {
        Map<String, String> setup = new LinkedHashMap<>();
        setup.put("command", settings.commandLine());
        setup.put(
                "etcd",
                etcd.members() + " member(s) on " + String.join(",", etcd.clientEndpoints()) + ", " + etcdVersion
                        + ", data under " + etcd.dataRoot());
        setup.put(
                "tinykv",
                external
                        ? settings.tinykvLabel() + " at " + String.join(",", pd)
                        : settings.topology().description() + " at " + pd.get(0) + ", data under "
                                + settings.dataDir().resolve("tinykv"));
        if (settings.withRocksdb()) {
            setup.put("rocksdb", "rocksdbjni in the benchmark process, WAL on, sync=true on every write");
        }
        putDriverSetup(setup, settings);
        return setup;
    }

    static void putDriverSetup(Map<String, String> setup, ComparisonSettings settings) {
        var base = settings.base();
        setup.put(
                "records",
                base.recordCount() + " (" + base.keySizeBytes() + "-byte keys, " + base.valueSizeBytes()
                        + "-byte values), loaded once per system"
                        + (base.warmup().isZero()
                                ? ""
                                : ", then every workload run unmeasured for the warm-up's length at the"
                                        + " load's concurrency, at least 16 clients (priming: a JVM server compiles its hot paths"
                                        + " as they run)"));
        setup.put(
                "keys",
                base.distribution().label()
                        + (base.distribution().name().equals("ZIPFIAN") ? " (theta " + base.zipfianTheta() + ")" : ""));
        setup.put(
                "each run",
                base.measuresByCount()
                        ? base.operationCount() + " operations after "
                                + base.warmup().toSeconds() + "s warm-up"
                        : base.duration().toSeconds() + "s after "
                                + base.warmup().toSeconds() + "s warm-up");
        setup.put("clients", "closed loop, " + base.threads().name().toLowerCase(java.util.Locale.ROOT) + " threads");
        setup.put(
                "machine",
                Runtime.getRuntime().availableProcessors() + " cores, "
                        + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", Java "
                        + System.getProperty("java.version"));
    }

    /** etcd's version line, for the report; a failure here only loses that line. */
    private String version(Path etcdBinary) {
        Path versionLog = settings.logDir().resolve("etcd-version.txt");
        try {
            Files.deleteIfExists(versionLog);
            int code = env.launcher()
                    .run(
                            new ProcessSpec(
                                    "etcd --version",
                                    List.of(etcdBinary.toString(), "--version"),
                                    settings.outDir(),
                                    versionLog,
                                    Map.of()),
                            VERSION_TIMEOUT);
            if (code == 0 && Files.exists(versionLog)) {
                return Files.readAllLines(versionLog).stream()
                        .filter(l -> l.startsWith("etcd Version"))
                        .findFirst()
                        .orElse("etcd (version unknown)");
            }
        } catch (IOException e) {
            return "etcd (version unknown: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "etcd (version unknown)";
    }
}
