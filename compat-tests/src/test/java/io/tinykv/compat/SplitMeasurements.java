package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.server.playground.ChildSpec;
import io.tinykv.testkit.wait.Await;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measurements for issue 13's note, over real processes; not part of the default suite (its name
 * is not a test's, so surefire runs it only when named:
 * {@code -Dtest=SplitMeasurements -Dtinykv.measure.splits=true}). They print numbers and assert only that the measured thing
 * happened (the splits were seen, the regions exist).
 *
 * <ul>
 *   <li>Split latency: a RawKV writer stops the moment its last region's data (key and value bytes,
 *       as the split checker counts them) exceeds {@code region-max-size}; the time until PD lists
 *       one region more.</li>
 *   <li>Idle CPU of stores holding 1,000 regions: CPU time (utime + stime from {@code /proc}) of each
 *       process over an idle window with one region, then again after one SplitRegion of 999 keys
 *       and the scheduler spreading the leaders; per store also the Raft thread's time in rounds per
 *       tick (wall time: {@code tinykv_raft_round_seconds_total} over {@code tinykv_raft_ticks_total}),
 *       and the Raft messages, BatchRaftMessages, rounds and region heartbeats per second. With
 *       {@code -Dtinykv.measure.afterStoreArgs=a,b} the stores are restarted on their data with those
 *       arguments in place of {@code -Dtinykv.measure.storeArgs} and measured again: a before/after
 *       in one run ({@code bench/scripts/idle-regions}).</li>
 *   <li>Leader balance: a cluster whose scheduler does not scatter split regions, one SplitRegion
 *       into {@code tinykv.measure.balanceRegions} (12) regions, all led by the splitting store;
 *       the time from the split's answer until every store leads within one of an equal share, per
 *       run of {@code tinykv.measure.balanceRuns} fresh clusters.</li>
 * </ul>
 */
@EnabledIfSystemProperty(named = "tinykv.measure.splits", matches = "true")
class SplitMeasurements {
    private static final Logger LOG = LoggerFactory.getLogger(SplitMeasurements.class);

    private static final int STORES = 3;
    private static final Duration STARTUP = Duration.ofMinutes(5);
    private static final long MAX_SIZE_BYTES = 64 * 1024;
    private static final int VALUE_BYTES = 1024;
    private static final int SPLITS_TO_TIME = Integer.getInteger("tinykv.measure.latencySplits", 8);
    private static final String CHECK_TICK = System.getProperty("tinykv.measure.checkTick", "500ms");
    private static final int REGIONS = Integer.getInteger("tinykv.measure.regions", 1_000);
    private static final Duration IDLE_WINDOW = Duration.ofSeconds(Long.getLong("tinykv.measure.idleSeconds", 30));
    /** Store arguments of the cluster (the baseline), e.g. {@code -Dtinykv.measure.storeArgs=--flag,value}. */
    private static final List<String> BASELINE_STORE_ARGS = args(System.getProperty("tinykv.measure.storeArgs", ""));
    /**
     * When set, the idle measurement restarts the stores with these arguments instead of the baseline's
     * and measures again: a before/after in one run on the same regions.
     */
    private static final List<String> AFTER_STORE_ARGS = System.getProperty("tinykv.measure.afterStoreArgs") == null
            ? null
            : args(System.getProperty("tinykv.measure.afterStoreArgs"));
    /** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux). */
    private static final int USER_HZ = 100;

    /** Kept when a measurement fails, so that the children's logs can be read afterwards. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void splitLatencyFromThresholdToTheClientSeeingTwoRegions() throws Exception {
        Path config = Files.writeString(
                dir.resolve("split.toml"),
                "[coprocessor]\nsplit-region-check-tick-interval = \"" + CHECK_TICK + "\"\n");
        try (LocalCluster cluster = LocalCluster.start(
                dir,
                STORES,
                ClientKeyMode.RAW,
                List.of(
                        "--region-max-size",
                        (MAX_SIZE_BYTES / 1024) + "KiB",
                        "--region-split-size",
                        (MAX_SIZE_BYTES / 2 / 1024) + "KiB",
                        "--config",
                        config.toString()))) {
            cluster.awaitServing(STARTUP);
            String pd = cluster.pdAddress();
            NavigableMap<ByteString, Integer> sizes = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
            List<Long> latenciesMillis = new ArrayList<>();
            try (RawKvClient client = RawKvClient.create(ClientConfig.of(List.of(pd)))) {
                int next = 0;
                for (int split = 0; split < SPLITS_TO_TIME; split++) {
                    List<RegionInfo> regions = regions(pd);
                    ByteString lastStart = regions.getLast().startKey();
                    long bytes = sizes.tailMap(lastStart, true).entrySet().stream()
                            .mapToLong(e -> e.getKey().size() + e.getValue())
                            .sum();
                    while (bytes <= MAX_SIZE_BYTES) {
                        ByteString key = ByteString.copyFromUtf8(String.format("lat/%08d", next++));
                        client.put(key, ByteString.copyFrom(new byte[VALUE_BYTES]));
                        sizes.put(key, VALUE_BYTES);
                        bytes += key.size() + VALUE_BYTES;
                    }
                    long crossedNanos = System.nanoTime();
                    int before = regions.size();
                    Await.until(
                            () -> regions(pd).size() > before,
                            Duration.ofSeconds(120),
                            () -> "no split of the last region after it exceeded " + MAX_SIZE_BYTES + " bytes");
                    long millis = (System.nanoTime() - crossedNanos) / 1_000_000;
                    latenciesMillis.add(millis);
                    LOG.info("split {}: {} ms from the threshold to PD listing {} regions", split, millis, before + 1);
                }
            }
            List<Long> sorted = latenciesMillis.stream().sorted().toList();
            LOG.info(
                    "MEASURED split latency (check tick {}): n={} min={} ms median={} ms max={} ms all={}",
                    CHECK_TICK,
                    sorted.size(),
                    sorted.getFirst(),
                    sorted.get(sorted.size() / 2),
                    sorted.getLast(),
                    latenciesMillis);
            assertThat(latenciesMillis).hasSize(SPLITS_TO_TIME);
        }
    }

    @Test
    void idleCpuOfStoresHoldingAThousandRegions() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, STORES, ClientKeyMode.RAW, BASELINE_STORE_ARGS)) {
            cluster.awaitServing(STARTUP);
            String pd = cluster.pdAddress();
            Map<String, Idle> oneRegion = idle(cluster);
            LOG.info("MEASURED idle with 1 region over {}: {}", IDLE_WINDOW, oneRegion);

            long started = System.nanoTime();
            splitIntoRegions(cluster, pd);
            LOG.info("{} regions after {} s", regions(pd).size(), (System.nanoTime() - started) / 1_000_000_000);
            awaitLeadersEverywhere(pd);
            Map<Long, Long> leaders = leadersByStore(pd);
            // Two windows in a row: the first may still see the scheduler balancing after the splits.
            Map<String, Idle> settling = idle(cluster);
            LOG.info("MEASURED idle in the first window after the splits: {}", settling);
            Map<String, Idle> many = idle(cluster);
            LOG.info(
                    "MEASURED idle with {} regions over {}: {} (leaders by store {} -> {})",
                    regions(pd).size(),
                    IDLE_WINDOW,
                    many,
                    leaders,
                    leadersByStore(pd));
            for (String name : many.keySet()) {
                LOG.info(
                        "MEASURED {}: CPU {}% of a core with 1 region, {}% with {} ({}x); Raft thread {} ms per tick"
                                + " with 1 region, {} ms with {}",
                        name,
                        oneRegion.get(name).cpuPercent(),
                        many.get(name).cpuPercent(),
                        REGIONS,
                        Math.round(many.get(name).cpuPercent()
                                / Math.max(0.1, oneRegion.get(name).cpuPercent())),
                        oneRegion.get(name).roundMillisPerTick(),
                        many.get(name).roundMillisPerTick(),
                        REGIONS);
            }
            assertThat(regions(pd)).hasSizeGreaterThanOrEqualTo(REGIONS);
            if (AFTER_STORE_ARGS != null) {
                restartStoresWith(cluster, AFTER_STORE_ARGS);
                awaitLeadersEverywhere(pd);
                LOG.info(
                        "MEASURED idle in the first window after the restart with {}: {}",
                        AFTER_STORE_ARGS,
                        idle(cluster));
                Map<String, Idle> after = idle(cluster);
                LOG.info(
                        "MEASURED idle with {} regions, stores restarted with {}: {} (leaders by store {})",
                        regions(pd).size(),
                        AFTER_STORE_ARGS,
                        after,
                        leadersByStore(pd));
                for (String name : after.keySet()) {
                    LOG.info(
                            "MEASURED {}: CPU {}% of a core with {} before, {}% after ({} of before); raft msgs/s {} -> {}",
                            name,
                            many.get(name).cpuPercent(),
                            BASELINE_STORE_ARGS,
                            after.get(name).cpuPercent(),
                            Math.round(after.get(name).cpuPercent()
                                            / Math.max(0.1, many.get(name).cpuPercent())
                                            * 100)
                                    / 100.0,
                            many.get(name).messagesPerSecond(),
                            after.get(name).messagesPerSecond());
                }
            }
            // The restart's SIGTERMs (exit 143) were ours; nothing else may have ended.
            assertThat(cluster.unexpectedExits())
                    .allMatch(exit -> AFTER_STORE_ARGS != null && exit.matches("store\\d+ exited 143"));
        }
    }

    @Test
    void leaderBalanceOfTwelveRegionsOnThreeStores() throws Exception {
        int regionCount = Integer.getInteger("tinykv.measure.balanceRegions", 12);
        int runs = Integer.getInteger("tinykv.measure.balanceRuns", 3);
        List<Long> millis = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            Path runDir = Files.createDirectories(dir.resolve("balance" + run));
            try (LocalCluster cluster =
                    LocalCluster.startWithSchedulerArgs(runDir, STORES, List.of("--scatter-split-regions", "false"))) {
                cluster.awaitServing(STARTUP);
                String pd = cluster.pdAddress();
                splitIntoRegions(cluster, pd, regionCount);
                long splitNanos = System.nanoTime();
                Map<Long, Long> afterSplit = knownLeadersByStore(pd);
                long share = regionCount / STORES;
                Await.until(
                        () -> {
                            List<RegionInfo> regions = regions(pd);
                            Map<Long, Long> leaders = knownLeadersByStore(pd);
                            return regions.size() >= regionCount
                                    && regions.stream().allMatch(RegionInfo::hasLeader)
                                    && leaders.size() == STORES
                                    && leaders.values().stream().allMatch(n -> Math.abs(n - share) <= 1);
                        },
                        Duration.ofMinutes(5),
                        () -> "leaders not balanced: " + knownLeadersByStore(pd));
                long took = (System.nanoTime() - splitNanos) / 1_000_000;
                millis.add(took);
                LOG.info(
                        "MEASURED balance run {}: leaders {} after the split, {} after {} ms",
                        run,
                        afterSplit,
                        knownLeadersByStore(pd),
                        took);
                assertThat(cluster.unexpectedExits()).isEmpty();
            }
        }
        List<Long> sorted = millis.stream().sorted().toList();
        LOG.info(
                "MEASURED leader balance of {} regions on {} stores: n={} min={} ms median={} ms max={} ms all={}",
                regionCount,
                STORES,
                sorted.size(),
                sorted.getFirst(),
                sorted.get(sorted.size() / 2),
                sorted.getLast(),
                millis);
    }

    /**
     * Cuts the first region into {@link #REGIONS} with one SplitRegion call carrying every split key
     * (one BatchSplit), retried on region errors (a leader moving meanwhile).
     */
    private static void splitIntoRegions(LocalCluster cluster, String pd) {
        splitIntoRegions(cluster, pd, REGIONS);
    }

    private static void splitIntoRegions(LocalCluster cluster, String pd, int count) {
        List<ByteString> keys = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            keys.add(ByteString.copyFromUtf8(String.format("r%06d", i)));
        }
        String[] lastProblem = {"none"};
        Await.until(
                () -> {
                    try (PdClient client = PdClient.connect(ClientConfig.of(List.of(pd)))) {
                        RegionInfo region = client.getRegion(keys.getFirst()).orElseThrow();
                        if (!region.hasLeader()) {
                            lastProblem[0] = "region " + region.id() + " has no leader";
                            return false;
                        }
                        String address =
                                client.getStore(region.leader().getStoreId()).getAddress();
                        io.grpc.ManagedChannel channel =
                                io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(address)
                                        .usePlaintext()
                                        .build();
                        try {
                            io.tinykv.proto.Kvrpcpb.SplitRegionResponse response =
                                    io.tinykv.proto.TikvGrpc.newBlockingStub(channel)
                                            .withDeadlineAfter(5, java.util.concurrent.TimeUnit.MINUTES)
                                            .splitRegion(io.tinykv.proto.Kvrpcpb.SplitRegionRequest.newBuilder()
                                                    .setContext(io.tinykv.proto.Kvrpcpb.Context.newBuilder()
                                                            .setRegionId(region.id())
                                                            .setRegionEpoch(region.region()
                                                                    .getRegionEpoch())
                                                            .setPeer(region.leader()))
                                                    .addAllSplitKeys(keys)
                                                    .setIsRawKv(true)
                                                    .build());
                            if (response.hasRegionError() || response.getErrorsCount() > 0) {
                                lastProblem[0] = response.hasRegionError()
                                        ? response.getRegionError().toString()
                                        : response.getErrors(0).toString();
                                return false;
                            }
                            return true;
                        } finally {
                            channel.shutdownNow();
                        }
                    }
                },
                Duration.ofMinutes(5),
                () -> "one SplitRegion into " + count + " regions; last problem: " + lastProblem[0] + "; exited: "
                        + cluster.unexpectedExits());
        Await.until(
                () -> regions(pd).size() >= count,
                Duration.ofSeconds(120),
                () -> "PD lists " + regions(pd).size() + " regions");
    }

    /**
     * Every region has a leader and the leaders are spread (balance-leader): each store leads at
     * least a quarter of the regions, or the deadline passes and the measurement goes on (logged).
     */
    private static void awaitLeadersEverywhere(String pd) {
        Await.until(
                () -> regions(pd).stream().allMatch(RegionInfo::hasLeader),
                Duration.ofSeconds(180),
                "every region has a leader");
        boolean spread = Await.holdsWithin(
                () -> {
                    Map<Long, Long> leaders = leadersByStore(pd);
                    return leaders.size() == STORES
                            && leaders.values().stream().allMatch(n -> n >= REGIONS / (STORES + 1));
                },
                Duration.ofMinutes(5));
        LOG.info("leaders by store {}{}", leadersByStore(pd), spread ? "" : " (not spread within the deadline)");
    }

    /** Stops every store (SIGTERM) and starts it again on its data, the baseline arguments replaced by {@code args}. */
    private static void restartStoresWith(LocalCluster cluster, List<String> args) throws InterruptedException {
        for (int i = 1; i <= STORES; i++) {
            String name = LocalCluster.storeName(i);
            ChildSpec was = cluster.restartSpec(name);
            List<String> argsNow = new ArrayList<>(was.args());
            int at = java.util.Collections.indexOfSubList(argsNow, BASELINE_STORE_ARGS);
            if (!BASELINE_STORE_ARGS.isEmpty() && at >= 0) {
                argsNow.subList(at, at + BASELINE_STORE_ARGS.size()).clear();
            }
            argsNow.addAll(args);
            cluster.terminate(name, Duration.ofMinutes(2));
            cluster.start(new ChildSpec(name, was.address(), argsNow, was.logFile()));
        }
        // Serving again once the status endpoint of every restarted store answers.
        for (int i = 1; i <= STORES; i++) {
            String status = cluster.storeStatusAddress(i);
            Await.until(
                    () -> {
                        try {
                            storeCounters(status);
                            return true;
                        } catch (Exception e) {
                            return false;
                        }
                    },
                    STARTUP,
                    "store " + i + " serves its metrics again at " + status);
        }
    }

    /** Leaders by store of the regions that have one (right after a split some may not yet). */
    private static Map<Long, Long> knownLeadersByStore(String pd) {
        return regions(pd).stream()
                .filter(RegionInfo::hasLeader)
                .collect(Collectors.groupingBy(r -> r.leader().getStoreId(), TreeMap::new, Collectors.counting()));
    }

    private static Map<Long, Long> leadersByStore(String pd) {
        return regions(pd).stream()
                .collect(Collectors.groupingBy(r -> r.leader().getStoreId(), TreeMap::new, Collectors.counting()));
    }

    /**
     * One process over an idle window: CPU (percent of one core), and for a store (-1 for the
     * scheduler) the Raft thread's time in rounds per tick (milliseconds), the Raft messages it sent
     * and the region heartbeats it sent to the scheduler, per second.
     */
    record Idle(
            double cpuPercent,
            double roundMillisPerTick,
            double messagesPerSecond,
            double regionHeartbeatsPerSecond,
            double batchesPerSecond,
            double roundsPerSecond) {
        static Idle cpuOnly(double cpuPercent) {
            return new Idle(cpuPercent, -1, -1, -1, -1, -1);
        }

        @Override
        public String toString() {
            return cpuPercent + "% CPU"
                    + (roundMillisPerTick < 0
                            ? ""
                            : ", " + roundMillisPerTick + " ms/tick, "
                                    + messagesPerSecond + " raft msgs/s in " + batchesPerSecond + " batches/s, "
                                    + regionHeartbeatsPerSecond + " region heartbeats/s, " + roundsPerSecond
                                    + " rounds/s");
        }
    }

    /** The store counters an idle window reads, by metric name. */
    private static final List<String> STORE_COUNTERS = List.of(
            "tinykv_raft_ticks_total",
            "tinykv_raft_round_seconds_total",
            "tinykv_raft_messages_sent_total",
            "tinykv_region_heartbeats_sent_total",
            "tinykv_raft_message_batches_sent_total",
            "tinykv_raft_poll_rounds_total");

    /** What every child did over {@link #IDLE_WINDOW}. */
    private static Map<String, Idle> idle(LocalCluster cluster) throws Exception {
        List<String> names = new ArrayList<>(List.of(LocalCluster.SCHEDULER));
        for (int i = 1; i <= STORES; i++) {
            names.add(LocalCluster.storeName(i));
        }
        Map<String, Long> before = new TreeMap<>();
        for (String name : names) {
            before.put(name, cpuTicks(cluster.current(name).pid()));
        }
        Map<Integer, Map<String, Double>> countersBefore = new TreeMap<>();
        for (int i = 1; i <= STORES; i++) {
            countersBefore.put(i, storeCounters(cluster.storeStatusAddress(i)));
        }
        long start = System.nanoTime();
        long windowEnd = start + IDLE_WINDOW.toNanos();
        // The measured window is the condition: the stores are left alone until it has passed.
        Await.until(
                () -> System.nanoTime() >= windowEnd,
                IDLE_WINDOW.multipliedBy(2),
                "the idle window of " + IDLE_WINDOW + " passes");
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Idle> out = new TreeMap<>();
        for (String name : names) {
            long ticks = cpuTicks(cluster.current(name).pid()) - before.get(name);
            out.put(name, Idle.cpuOnly(Math.round(ticks * 1000.0 / USER_HZ / seconds) / 10.0));
        }
        for (int i = 1; i <= STORES; i++) {
            Map<String, Double> after = storeCounters(cluster.storeStatusAddress(i));
            Map<String, Double> was = countersBefore.get(i);
            java.util.function.ToDoubleFunction<String> delta = metric -> after.get(metric) - was.get(metric);
            java.util.function.ToDoubleFunction<String> perSecond =
                    metric -> Math.round(delta.applyAsDouble(metric) / seconds * 10) / 10.0;
            double ticks = delta.applyAsDouble("tinykv_raft_ticks_total");
            double millis = delta.applyAsDouble("tinykv_raft_round_seconds_total") * 1000;
            String name = LocalCluster.storeName(i);
            out.put(
                    name,
                    new Idle(
                            out.get(name).cpuPercent(),
                            ticks == 0 ? 0 : Math.round(millis / ticks * 1000) / 1000.0,
                            perSecond.applyAsDouble("tinykv_raft_messages_sent_total"),
                            perSecond.applyAsDouble("tinykv_region_heartbeats_sent_total"),
                            perSecond.applyAsDouble("tinykv_raft_message_batches_sent_total"),
                            perSecond.applyAsDouble("tinykv_raft_poll_rounds_total")));
        }
        return out;
    }

    /** A store's {@link #STORE_COUNTERS} (0 for one it does not report). */
    private static Map<String, Double> storeCounters(String statusAddress) throws Exception {
        HttpResponse<String> response;
        try (HttpClient http = HttpClient.newHttpClient()) {
            response = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + statusAddress + "/metrics"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        Map<String, Double> out = new TreeMap<>();
        STORE_COUNTERS.forEach(name -> out.put(name, 0.0));
        for (String line : response.body().split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0 && STORE_COUNTERS.contains(line.substring(0, space))) {
                out.put(
                        line.substring(0, space),
                        Double.parseDouble(line.substring(space + 1).trim()));
            }
        }
        return out;
    }

    /** utime + stime of a process, in clock ticks. */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // After "pid (comm) ", field 3 (state) is index 0: utime is field 14, stime field 15.
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static List<String> args(String commaSeparated) {
        return commaSeparated.isBlank() ? List.of() : List.of(commaSeparated.split(","));
    }

    private static List<RegionInfo> regions(String pd) {
        try (PdClient client = PdClient.connect(ClientConfig.of(List.of(pd)))) {
            return client.scanRegions(ByteString.EMPTY, ByteString.EMPTY, 0);
        }
    }
}
