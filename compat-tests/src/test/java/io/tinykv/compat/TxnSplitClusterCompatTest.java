package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.client.ClientConfig;
import io.tinykv.client.PdException;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.testkit.bank.BankWorkload;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.linear.LinearizabilityChecker;
import io.tinykv.testkit.txn.ConcurrentRunner;
import io.tinykv.testkit.wait.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tikv.common.TiSession;
import org.tikv.shade.com.google.protobuf.ByteString;
import org.tikv.txn.KVClient;

/**
 * Transactional data split into many regions, over real processes: a scheduler in TXN key mode and
 * three stores with a small region size. The official TiKV Java client (transactional API V1) loads
 * transactions that each span every stripe of the key space until the regions split; the bank
 * accounts and the registers are split apart by the client's own {@code splitRegionAndScatter}
 * (SplitRegion with {@code is_raw_kv} false), so every transfer has its primary in one region and its
 * secondary in another. Then a bank workload and a register workload run while the load goes on and
 * regions keep splitting, and the store leading a bank account is SIGKILLed and restarted on the way.
 *
 * <p>Judged: the bank checker and the linearizability checker accept the histories; every committed
 * key is readable and a scan of the whole range (by the TiKV client and by ours) is complete, ordered
 * and atomic per transaction; the region count grew during the workload; the kill happened; leaders
 * are spread over the three stores.
 *
 * <p>Sizes: a short run by default (48 KiB regions, 12 of them); {@code -Dtinykv.txnsplit.judged=true}
 * runs the sizes of the issue (384 KiB / 256 KiB) to three dozen regions.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class TxnSplitClusterCompatTest {
    private static final Logger LOG = LoggerFactory.getLogger(TxnSplitClusterCompatTest.class);

    private static final boolean JUDGED = Boolean.getBoolean("tinykv.txnsplit.judged");
    private static final String MAX_SIZE = JUDGED ? "384KiB" : "48KiB";
    private static final String SPLIT_SIZE = JUDGED ? "256KiB" : "32KiB";
    /** Regions before the workloads start, and at least this many more by the time they stop. */
    private static final int REGIONS_BEFORE = JUDGED ? 12 : 6;

    private static final int REGIONS_GROWN_BY = JUDGED ? 24 : 3;
    private static final int STRIPES = 8;

    private static final int STORES = 3;
    private static final Duration STARTUP = Duration.ofMinutes(5);
    /** How long a final read may keep failing for a passing reason (a deadline, a lock) before the test fails. */
    private static final Duration READ = Duration.ofSeconds(60);

    private static final Duration PHASE = Duration.ofSeconds(JUDGED ? 600 : 120);
    private static final long LOCK_TTL_MILLIS = 3_000;
    private static final int STEP_BACKOFF_MILLIS = 20_000;
    private static final String BANK_PREFIX = "bank/";
    private static final int BANK_THREADS = 3;
    private static final int BANK_TRANSACTIONS_PER_THREAD = JUDGED ? 200 : 15;
    private static final List<String> REGISTERS = List.of("reg/0", "reg/1", "reg/2");
    private static final int REGISTER_THREADS = 3;
    /** Operations of each workload before the kill, and again with the store down. */
    private static final int OPERATIONS_PER_PHASE = 10;

    private static final long SEED = 20_261_206L;

    /** Kept when the test fails: the processes' logs are the evidence. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void transactionsAcrossSplittingRegionsSurviveAStoreKill() throws Exception {
        Path config = Files.writeString(dir.resolve("split.toml"), """
                [coprocessor]
                # Leaders measure their regions twice a second instead of every 10 s.
                split-region-check-tick-interval = "500ms"
                """);
        try (LocalCluster cluster = LocalCluster.start(
                dir,
                STORES,
                ClientKeyMode.TXN,
                List.of(
                        "--region-max-size",
                        MAX_SIZE,
                        "--region-split-size",
                        SPLIT_SIZE,
                        "--config",
                        config.toString()))) {
            cluster.awaitServing(STARTUP);
            String pd = cluster.pdAddress();
            try (TiSession session = Sessions.openTransactional(pd);
                    TikvClientTxnExecutor bankExecutor =
                            new TikvClientTxnExecutor(session, BANK_PREFIX, LOCK_TTL_MILLIS, STEP_BACKOFF_MILLIS);
                    RegisterWorkload registers =
                            RegisterWorkload.transactional(session, REGISTERS, LOCK_TTL_MILLIS, STEP_BACKOFF_MILLIS)) {
                // Load until the size checker has split the data, then split the accounts and registers apart.
                SplitLoad load = new SplitLoad(session, STRIPES, LOCK_TTL_MILLIS, STEP_BACKOFF_MILLIS);
                long loadDeadline = System.nanoTime() + PHASE.toNanos();
                load.runUntil(() -> regionCount(pd) >= REGIONS_BEFORE || System.nanoTime() > loadDeadline);
                BankWorkload bank = new BankWorkload(BankWorkload.Config.defaults());
                bank.initialize(bankExecutor);
                List<byte[]> manualSplits = new ArrayList<>();
                bank.accounts().stream().skip(1).forEach(a -> manualSplits.add(utf8(BANK_PREFIX + a)));
                REGISTERS.stream().skip(1).forEach(r -> manualSplits.add(utf8(r)));
                session.splitRegionAndScatter(manualSplits, STEP_BACKOFF_MILLIS, STEP_BACKOFF_MILLIS, 0);
                // The new regions reach PD with their first heartbeats, once their leaders are elected.
                for (byte[] key : manualSplits) {
                    Await.until(
                            () -> regionStartingAt(pd, key),
                            PHASE,
                            () -> "PD lists no region starting at " + new String(key, StandardCharsets.UTF_8)
                                    + " (SplitRegion in TXN mode)");
                }
                int regionsBefore = regionCount(pd);
                LOG.info("{} load rounds, {} regions before the workloads", load.rounds(), regionsBefore);
                assertThat(regionsBefore)
                        .as("regions after loading and the manual splits")
                        .isGreaterThanOrEqualTo(REGIONS_BEFORE + manualSplits.size());

                // The workloads, with the load going on so that regions keep splitting under them.
                History history = new History();
                AtomicLong clock = new AtomicLong();
                CompletableFuture<Void> bankRun = CompletableFuture.runAsync(() -> {
                    try {
                        new ConcurrentRunner(
                                        bankExecutor,
                                        bank,
                                        history,
                                        Thread.ofPlatform().factory(),
                                        clock::incrementAndGet)
                                .run(BANK_THREADS, BANK_TRANSACTIONS_PER_THREAD, SEED);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                });
                registers.start(REGISTER_THREADS, SEED);
                int regionsTarget = regionsBefore + REGIONS_GROWN_BY;
                CompletableFuture<Void> loading = CompletableFuture.runAsync(() -> load.runUntil(
                        () -> regionCount(pd) >= regionsTarget || System.nanoTime() > loadDeadline + PHASE.toNanos()));

                awaitProgress(
                        history, registers, OPERATIONS_PER_PHASE, OPERATIONS_PER_PHASE, bankRun, "before the kill");
                String victim = LocalCluster.storeName(cluster.storeIndex(
                        leaderStoreOf(pd, utf8(BANK_PREFIX + bank.accounts().getFirst()))));
                LOG.info(
                        "killing {} (SIGKILL), leader of the first account's region, at {} regions",
                        victim,
                        regionCount(pd));
                cluster.kill(victim);
                int bankDone = history.size();
                long registerDone = registers.successes();
                awaitProgress(
                        history,
                        registers,
                        bankDone + OPERATIONS_PER_PHASE,
                        registerDone + OPERATIONS_PER_PHASE,
                        bankRun,
                        "with " + victim + " down");
                cluster.restart(victim);
                cluster.awaitHealthy(victim, cluster.storeAddress(Integer.parseInt(victim.substring(5))), STARTUP);

                bankRun.get(PHASE.toSeconds(), TimeUnit.SECONDS);
                loading.get(2 * PHASE.toSeconds(), TimeUnit.SECONDS);
                registers.stop(PHASE);
                registers.finalReads();
                int regionsAfter = regionCount(pd);
                LOG.info(
                        "{} load rounds ({} unknown), {} regions after the workloads (from {})",
                        load.rounds(),
                        load.unknownRounds().size(),
                        regionsAfter,
                        regionsBefore);
                assertThat(regionsAfter)
                        .as("regions split during the workloads")
                        .isGreaterThanOrEqualTo(regionsTarget);

                CheckResult bankResult = bank.checker().check(history.operations());
                assertThat(bankResult.valid()).as(bankResult.report()).isTrue();
                assertThat(history.operations().stream().filter(Operation::isOk).count())
                        .as("committed bank txns")
                        .isPositive();
                LinearizabilityChecker.Result linear = LinearizabilityChecker.check(registers.history());
                assertThat(linear.ok()).as(linear.message()).isTrue();
                LOG.info(
                        "registers: {} ok, {} failed; bank: {}",
                        registers.successes(),
                        registers.failures(),
                        bankResult.report());

                assertEveryCommittedRoundReadable(session, pd, load);
                assertScansCompleteOrderedAndAtomic(session, pd, load);
                // A store that died on its own has no leaders: say so first, not as a balance failure.
                assertThat(cluster.unexpectedExits())
                        .as("only the killed store stopped")
                        .containsExactly(victim + " exited 137");
                assertLeadersSpread(pd, cluster);
            }
        }
    }

    /**
     * Waits until the bank has finished {@code bankTarget} transactions (or all of them) and the registers
     * {@code registerTarget} operations, failing early if the bank run failed.
     */
    private static void awaitProgress(
            History bank,
            RegisterWorkload registers,
            int bankTarget,
            long registerTarget,
            CompletableFuture<Void> bankRun,
            String phase) {
        Await.until(
                () -> (bankRun.isDone() || bank.size() >= bankTarget) && registers.successes() >= registerTarget,
                PHASE,
                () -> "only " + bank.size() + " of " + bankTarget + " bank and " + registers.successes() + " of "
                        + registerTarget + " register operations finished " + phase);
        if (bankRun.isCompletedExceptionally()) {
            bankRun.join();
        }
    }

    private static void assertEveryCommittedRoundReadable(TiSession session, String pd, SplitLoad load) {
        List<Long> committed = load.committedRounds();
        assertThat(committed).as("committed load rounds").isNotEmpty();
        try (KVClient kv = session.createKVClient();
                TxnKvClient ours = TxnKvClient.create(ClientConfig.of(List.of(pd)))) {
            long readTs = session.getTimestamp().getVersion();
            try (Transaction txn = UntilDone.value("a transaction begun", READ, ours::begin)) {
                for (long round : committed) {
                    for (int s = 0; s < load.stripes(); s++) {
                        String key = SplitLoad.key(s, round);
                        assertThat(kv.get(ByteString.copyFromUtf8(key), readTs).toStringUtf8())
                                .as("TiKV client reads %s", key)
                                .isEqualTo(SplitLoad.value(s, round));
                        // A snapshot read past its deadline (or waiting out a dead round's lock) on a
                        // loaded machine is asked again; the value it returns is what is checked.
                        com.google.protobuf.ByteString ourKey = com.google.protobuf.ByteString.copyFromUtf8(key);
                        assertThat(UntilDone.value("our client reads " + key, READ, () -> txn.get(ourKey))
                                        .map(com.google.protobuf.ByteString::toStringUtf8))
                                .as("our client reads %s", key)
                                .contains(SplitLoad.value(s, round));
                    }
                }
            }
        }
    }

    /**
     * A scan of the whole load range by each client: ordered, every committed round in it, every round
     * in it whole (a transaction is all or nothing), nothing that was never written.
     */
    private static void assertScansCompleteOrderedAndAtomic(TiSession session, String pd, SplitLoad load) {
        String start = SplitLoad.PREFIX;
        String end = SplitLoad.PREFIX.substring(0, SplitLoad.PREFIX.length() - 1) + (char) ('/' + 1);
        List<String> theirs;
        try (KVClient kv = session.createKVClient()) {
            theirs = kv
                    .scan(
                            ByteString.copyFromUtf8(start),
                            ByteString.copyFromUtf8(end),
                            session.getTimestamp().getVersion())
                    .stream()
                    .map(p -> p.getKey().toStringUtf8() + "=" + p.getValue().toStringUtf8())
                    .toList();
        }
        List<String> ours;
        try (TxnKvClient client = TxnKvClient.create(ClientConfig.of(List.of(pd)))) {
            // A scan past a deadline on a loaded machine is done again in a new snapshot; what it
            // returns is what is checked.
            ours = UntilDone.value("our client's scan of the load range", READ, () -> {
                try (Transaction txn = client.begin()) {
                    return txn
                            .scan(
                                    com.google.protobuf.ByteString.copyFromUtf8(start),
                                    com.google.protobuf.ByteString.copyFromUtf8(end),
                                    Integer.MAX_VALUE)
                            .stream()
                            .map(kv ->
                                    kv.key().toStringUtf8() + "=" + kv.value().toStringUtf8())
                            .toList();
                }
            });
        }
        for (List<String> scan : List.of(theirs, ours)) {
            List<String> keys =
                    scan.stream().map(e -> e.substring(0, e.indexOf('='))).toList();
            assertThat(keys)
                    .as("scan in key order without duplicates")
                    .isSortedAccordingTo(String::compareTo)
                    .doesNotHaveDuplicates();
            Map<Long, Set<Integer>> stripesByRound = new TreeMap<>();
            for (String entry : scan) {
                String key = entry.substring(0, entry.indexOf('='));
                int stripe = Integer.parseInt(key.substring(SplitLoad.PREFIX.length(), SplitLoad.PREFIX.length() + 2));
                long round = Long.parseLong(key.substring(SplitLoad.PREFIX.length() + 3));
                assertThat(entry).isEqualTo(key + "=" + SplitLoad.value(stripe, round));
                stripesByRound.computeIfAbsent(round, r -> new TreeSet<>()).add(stripe);
            }
            assertThat(stripesByRound.keySet())
                    .as("every committed round scanned")
                    .containsAll(load.committedRounds());
            Set<Long> written = new TreeSet<>(load.committedRounds());
            written.addAll(load.unknownRounds());
            assertThat(written).as("only rounds that were written").containsAll(stripesByRound.keySet());
            stripesByRound.forEach((round, stripes) ->
                    assertThat(stripes).as("round %d whole", round).hasSize(load.stripes()));
        }
    }

    /**
     * Leaders on every store, as {@code tinykv ctl regions} shows them (the scheduler balances them);
     * on failure the message carries the processes' last log lines (the scheduler's operators).
     */
    private static void assertLeadersSpread(String pd, LocalCluster cluster) {
        Await.until(
                () -> leadersByStore(pd).size() == STORES
                        || cluster.unexpectedExits().size() > 1,
                PHASE,
                () -> "leaders by store: " + leadersByStore(pd) + "\n" + cluster.logs());
        assertThat(cluster.unexpectedExits())
                .as("exits while leaders were balanced: only the killed store's")
                .hasSize(1);
        Map<Long, Long> leaders = leadersByStore(pd);
        LOG.info("leaders by store: {} over {} regions", leaders, regionCount(pd));
    }

    private static Map<Long, Long> leadersByStore(String pd) {
        try (PdClient client = PdClient.connect(ClientConfig.of(List.of(pd)))) {
            return client
                    .scanRegions(com.google.protobuf.ByteString.EMPTY, com.google.protobuf.ByteString.EMPTY, 0)
                    .stream()
                    .filter(RegionInfo::hasLeader)
                    .collect(Collectors.groupingBy(r -> r.leader().getStoreId(), TreeMap::new, Collectors.counting()));
        }
    }

    /** The regions PD lists, asked again while PD does not answer within its deadline (a loaded machine). */
    private static int regionCount(String pd) {
        return UntilDone.value("PD's region count", PHASE, () -> {
            try (PdClient client = PdClient.connect(ClientConfig.of(List.of(pd)))) {
                return client.scanRegions(com.google.protobuf.ByteString.EMPTY, com.google.protobuf.ByteString.EMPTY, 0)
                        .size();
            }
        });
    }

    /** Whether a region's (encoded) start key is {@code userKey}: PD keeps TXN boundaries encoded. */
    private static boolean regionStartingAt(String pd, byte[] userKey) {
        com.google.protobuf.ByteString encoded =
                com.google.protobuf.ByteString.copyFrom(MemComparableCodec.encode(userKey));
        try (PdClient client = PdClient.connect(ClientConfig.of(List.of(pd)))) {
            return client.getRegion(encoded)
                    .map(r -> r.startKey().equals(encoded))
                    .orElse(false);
        } catch (PdException unanswered) {
            return false; // PD past its deadline on a loaded machine: the caller's wait asks again
        }
    }

    private static long leaderStoreOf(String pd, byte[] userKey) {
        com.google.protobuf.ByteString encoded =
                com.google.protobuf.ByteString.copyFrom(MemComparableCodec.encode(userKey));
        return Await.value(
                () -> {
                    try (PdClient client = PdClient.connect(ClientConfig.of(List.of(pd)))) {
                        return client.getRegion(encoded)
                                .filter(RegionInfo::hasLeader)
                                .map(r -> r.leader().getStoreId());
                    } catch (PdException unanswered) {
                        return Optional.empty(); // PD past its deadline on a loaded machine: asked again
                    }
                },
                PHASE,
                "a leader for " + new String(userKey, StandardCharsets.UTF_8));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
