package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.CommitUnknownException;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.TxnAbortedException;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.scheduler.GcConfig;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerServer;
import io.tinykv.server.gc.StoreGcConfig;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.StorageReader;
import io.tinykv.storage.UserKeyReader;
import io.tinykv.testkit.bank.BankWorkload;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.Outcome;
import io.tinykv.testkit.txn.ConcurrentRunner;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.TxnFailedException;
import io.tinykv.testkit.txn.TxnSession;
import io.tinykv.testkit.wait.Await;
import io.tinykv.txn.mvcc.MvccKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MVCC GC in the replicated cluster: a scheduler moving the safe point to {@code now - 5 s}, three
 * stores collecting every 200 ms, and a bank workload overwriting four accounts from four threads
 * while the region is split under it. The bank checker proves every snapshot read above the safe
 * point stayed correct; the stores' write column families prove the history was collected (one
 * version per key left on every replica); a read below the safe point is refused by name.
 */
class GcClusterTest {

    private static final int STORES = 3;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final GcConfig SCHEDULER_GC = new GcConfig(Duration.ofSeconds(5), Duration.ofMillis(100));
    private static final StoreGcConfig STORE_GC = StoreGcConfig.defaults().withRunIntervalMillis(200);
    private static final int THREADS = 4;
    private static final int TXNS_PER_THREAD = 20;
    /** Account keys ("b/acct-0"). */
    private static final String PREFIX = "b/";

    @TempDir
    Path dir;

    private SchedulerServer scheduler;
    private final List<StoreServer> stores = new ArrayList<>();

    @AfterEach
    void stopAll() {
        stores.forEach(StoreServer::close);
        if (scheduler != null) {
            scheduler.close();
        }
    }

    private void startCluster() throws Exception {
        scheduler = SchedulerServer.start(
                SchedulerConfig.defaults(dir.resolve("scheduler"))
                        .withListenAddress(new HostAndPort("127.0.0.1", 0))
                        .withGc(SCHEDULER_GC),
                System::currentTimeMillis,
                new SecureRandom(),
                new PrometheusRegistry());
        List<StoreServerConfig> configs = new ArrayList<>();
        for (int i = 1; i <= STORES; i++) {
            configs.add(TestConfigs.store(scheduler.address(), dir.resolve("store" + i))
                    .withGc(STORE_GC));
        }
        stores.addAll(StoreStarts.all(configs));
        GcProbes.awaitVoterOnEveryStore(clientConfig(), STORES, WAIT, "the region has a replica on every store");
    }

    private ClientConfig clientConfig() {
        return ClientConfig.of(List.of(scheduler.address()));
    }

    @Test
    void historyIsCollectedUnderOverwritesAndSplitsWhileEverySnapshotStaysCorrect() throws Exception {
        startCluster();
        BankWorkload bank = new BankWorkload(new BankWorkload.Config(4, 100, 20, 0.5));
        History history = new History();
        int regionsBefore;
        long startOfWorkload;
        try (TxnKvClient client = TxnKvClient.create(clientConfig());
                RawKvClient raw = RawKvClient.create(clientConfig());
                PdClient pd = PdClient.connect(clientConfig())) {
            TxnExecutor executor = new BankExecutor(client);
            startOfWorkload = System.currentTimeMillis() << 18;
            bank.initialize(executor);
            regionsBefore =
                    pd.scanRegions(ByteString.EMPTY, ByteString.EMPTY, 100).size();
            ConcurrentRunner runner = new ConcurrentRunner(
                    executor,
                    bank,
                    history,
                    Thread.ofPlatform().name("bank-", 0).factory(),
                    System::nanoTime);
            runner.run(THREADS, TXNS_PER_THREAD / 2, 7);
            // Split between the accounts while the GC workers run, then go on.
            // Transactional regions are bounded by encoded user keys (as in TiKV's API V1).
            raw.splitRegion(ByteString.copyFrom(
                    MemComparableCodec.encode((PREFIX + "acct-2").getBytes(StandardCharsets.UTF_8))));
            Await.until(
                    () -> pd.scanRegions(ByteString.EMPTY, ByteString.EMPTY, 100)
                                    .size()
                            > regionsBefore,
                    WAIT,
                    "the split shows in the scheduler");
            runner.run(THREADS, TXNS_PER_THREAD / 2, 8);
        }
        CheckResult result = bank.checker().check(history.operations());
        assertThat(result.valid()).as(result.report()).isTrue();
        long committed = history.operations().stream()
                .filter(op -> op.outcome() == Outcome.OK)
                .count();
        assertThat(committed).as("transactions committed").isGreaterThan(THREADS * TXNS_PER_THREAD / 4);

        // Every overwrite leaves a version until GC passes it: once the safe point is past the
        // workload, each key is down to its newest version on every replica.
        long endOfWorkload = System.currentTimeMillis() << 18;
        Await.until(
                () -> Long.compareUnsigned(scheduler.gcSafePoints().safePoint(), endOfWorkload) > 0,
                WAIT,
                "the safe point passes the end of the workload");
        Await.until(
                () -> stores.stream().allMatch(s -> maxVersionsPerKey(s) == 1),
                WAIT,
                () -> "every replica is down to one version per key below the safe point "
                        + scheduler.gcSafePoints().safePoint() + "; now "
                        + stores.stream().map(GcClusterTest::maxVersionsPerKey).toList() + ": "
                        + describeHistories(stores.get(0)));

        // A read below the safe point is refused, not answered from a thinned history.
        // A ts from before the workload: every store's guard is past it, since each has collected
        // versions committed after it. (The scheduler's newest safe point may not have reached a
        // store yet: its guard learns it once per GC round.)
        long below = startOfWorkload;
        Kvrpcpb.GetResponse refused =
                GcProbes.getAtLeader(clientConfig(), ByteString.copyFromUtf8(PREFIX + "acct-0"), below, WAIT);
        assertThat(refused.getError().getAbort()).contains("GC safe point");
    }

    /** The largest number of commit records any user key has in the store's write column family. */
    private static int maxVersionsPerKey(StoreServer store) {
        return GcProbes.versionsPerKey(store).values().stream()
                .mapToInt(Integer::intValue)
                .max()
                .orElse(0);
    }

    /** The commit records of keys with more than one, for failure messages. */
    private static String describeHistories(StoreServer store) {
        Map<String, List<String>> records = new LinkedHashMap<>();
        try (StorageReader reader = new UserKeyReader(store.engines().kv().snapshot());
                KvIterator it = reader.iterator(Cf.WRITE)) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                MvccKey k = MvccKey.decode(it.key());
                records.computeIfAbsent(
                                new String(k.userKey(), java.nio.charset.StandardCharsets.UTF_8),
                                x -> new ArrayList<>())
                        .add(k.ts() + "=" + io.tinykv.txn.mvcc.Write.parse(it.value()));
            }
        }
        records.values().removeIf(l -> l.size() < 2);
        return records.toString();
    }

    /** The bank's accounts over our transactional client; balances as 8 big-endian bytes. */
    private record BankExecutor(TxnKvClient client) implements TxnExecutor {
        @Override
        public TxnSession begin() throws TxnFailedException {
            try {
                return new Session(client.begin());
            } catch (TinyKvException e) {
                throw new TxnFailedException(Outcome.FAIL, "begin: " + e.getMessage(), e);
            }
        }
    }

    private record Session(Transaction txn) implements TxnSession {
        @Override
        public List<Long> read(String key) throws TxnFailedException {
            try {
                Optional<ByteString> value = txn.get(ByteString.copyFromUtf8(PREFIX + key));
                List<Long> out = new ArrayList<>();
                value.ifPresent(v -> {
                    ByteBuffer b = v.asReadOnlyByteBuffer();
                    while (b.hasRemaining()) {
                        out.add(b.getLong());
                    }
                });
                return out;
            } catch (TinyKvException e) {
                throw new TxnFailedException(Outcome.FAIL, "read " + key + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void write(String key, List<Long> value) {
            ByteBuffer b = ByteBuffer.allocate(Long.BYTES * value.size());
            value.forEach(b::putLong);
            txn.put(ByteString.copyFromUtf8(PREFIX + key), ByteString.copyFrom(b.array()));
        }

        @Override
        public Outcome commit() {
            try {
                txn.commit();
                return Outcome.OK;
            } catch (CommitUnknownException e) {
                return Outcome.INFO;
            } catch (TxnAbortedException e) {
                return Outcome.FAIL;
            } catch (TinyKvException e) {
                return Outcome.INFO;
            }
        }

        @Override
        public void abort() {
            txn.close();
        }
    }
}
