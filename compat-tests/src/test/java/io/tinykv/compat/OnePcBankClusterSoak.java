package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.PdClient;
import io.tinykv.client.RegionInfo;
import io.tinykv.client.TxnKvClient;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.testkit.bank.BankWorkload;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.txn.ConcurrentRunner;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.TxnFailedException;
import io.tinykv.testkit.txn.TxnSession;
import io.tinykv.testkit.wait.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tikv.common.TiSession;

/**
 * The bank workload with our client committing in one phase (1PC: the store picks the commit ts above
 * the reads it served) and the official TiKV Java client's plain two-phase commit taking turns on the
 * same accounts, on three {@code tinykv server} processes, while the store leading the region is
 * SIGKILLed mid-run and restarted. The new leader must sync its max ts from TSO before it commits in
 * one phase again, or a snapshot read served by the old leader could miss a commit placed below it;
 * the testkit's {@code BankChecker} judges every snapshot read.
 *
 * <p>About two minutes on a loaded machine (three processes, a kill, a restart), so outside the default
 * suite: {@code mvn -B -ntp -o -q -pl compat-tests -am verify -Dtest=OnePcBankClusterSoak
 * -Dsurefire.failIfNoSpecifiedTests=false -Dtinykv.txn.onePcCluster=true}.
 */
@EnabledIfSystemProperty(named = "tinykv.txn.onePcCluster", matches = "true")
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class OnePcBankClusterSoak {

    private static final Logger LOG = LoggerFactory.getLogger(OnePcBankClusterSoak.class);

    private static final int STORES = 3;
    private static final Duration STARTUP = Duration.ofMinutes(5);
    /** A deadline, not a wait: generous for a loaded machine. */
    private static final Duration PROGRESS = Duration.ofSeconds(240);
    private static final long LOCK_TTL_MILLIS = 3_000;
    private static final int STEP_BACKOFF_MILLIS = 20_000;
    private static final String KEY_PREFIX = "bank/";
    private static final int THREADS = 4;
    private static final int TRANSACTIONS_PER_THREAD = 30;
    private static final long SEED = 20_261_206L;
    /** Finished transactions before the kill, and again before the restart. */
    private static final int OPERATIONS_PER_PHASE = 25;

    @TempDir
    Path dir;

    @Test
    void onePcNextToTikvTwoPcSurvivesTheLeadersStoreKilled() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, STORES, ClientKeyMode.TXN)) {
            cluster.awaitServing(STARTUP);
            ClientConfig config = ClientConfig.of(List.of(cluster.pdAddress()));
            try (TiSession session = Sessions.openTransactional(cluster.pdAddress());
                    TikvClientTxnExecutor theirs = new TikvClientTxnExecutor(session, cluster.pdAddress(),
                            KEY_PREFIX, LOCK_TTL_MILLIS, STEP_BACKOFF_MILLIS);
                    TxnKvClient client = TxnKvClient.create(config)) {
                TxnKvClientExecutor ours = new TxnKvClientExecutor(client, KEY_PREFIX);
                TakingTurns both = new TakingTurns(ours, theirs);
                BankWorkload bank = new BankWorkload(BankWorkload.Config.defaults());
                bank.initialize(theirs);

                History history = new History();
                AtomicLong clock = new AtomicLong();
                CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
                    try {
                        new ConcurrentRunner(both, bank, history, Thread.ofPlatform().factory(),
                                clock::incrementAndGet).run(THREADS, TRANSACTIONS_PER_THREAD, SEED);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                });

                awaitFinished(history::size, OPERATIONS_PER_PHASE, run, "before the kill");
                long onePcBeforeKill = ours.onePcCommits();
                int leader = cluster.storeIndex(leaderStoreOfFirstRegion(cluster.pdAddress()));
                String victim = "store" + leader;
                LOG.info("killing {} (SIGKILL), the region's leader, after {} transactions ({} in one phase)",
                        victim, history.size(), onePcBeforeKill);
                cluster.kill(victim);
                awaitFinished(history::size, history.size() + OPERATIONS_PER_PHASE, run, "with " + victim + " down");
                cluster.restart(victim);
                cluster.awaitHealthy(victim, cluster.storeAddress(leader), STARTUP);
                run.get(PROGRESS.toSeconds() * TRANSACTIONS_PER_THREAD, TimeUnit.SECONDS);

                List<Operation> operations = history.operations();
                assertThat(operations).hasSize(THREADS * TRANSACTIONS_PER_THREAD);
                CheckResult result = bank.checker().check(operations);
                String summary = summarize(operations) + ", " + ours.onePcCommits() + " committed in one phase ("
                        + onePcBeforeKill + " before the kill)";
                LOG.info("1PC bank on the cluster: {}; checker: {}", summary, result.report());
                assertThat(result.valid()).as(result.report()).isTrue();
                assertThat(operations.stream().filter(Operation::isOk)
                        .filter(op -> op.ops().stream().anyMatch(m -> m instanceof MicroOp.Transfer)).count())
                        .as("committed transfers; %s", summary).isPositive();
                assertThat(ours.onePcCommits()).as("1PC used after the new leader synced; %s", summary)
                        .isGreaterThan(onePcBeforeKill);
                assertThat(cluster.unexpectedExits()).as("only the killed store stopped")
                        .containsExactly(victim + " exited 137");
            }
        }
    }

    /** Hands out transactions of the two clients in turn, so both run on the same accounts at once. */
    private record TakingTurns(TxnExecutor first, TxnExecutor second, AtomicLong turns) implements TxnExecutor {
        TakingTurns(TxnExecutor first, TxnExecutor second) {
            this(first, second, new AtomicLong());
        }

        @Override
        public TxnSession begin() throws TxnFailedException {
            return (turns.getAndIncrement() % 2 == 0 ? first : second).begin();
        }
    }

    /** Waits until {@code finished} reaches {@code target}, failing early if the run itself failed. */
    private static void awaitFinished(IntSupplier finished, int target, CompletableFuture<Void> run, String phase) {
        Await.until(() -> finished.getAsInt() >= target || run.isDone(), PROGRESS,
                () -> "only " + finished.getAsInt() + " of " + target + " transactions finished " + phase);
        if (finished.getAsInt() < target) {
            run.join();
        }
    }

    /** The store leading the region that holds the empty key (the cluster's only region). */
    private static long leaderStoreOfFirstRegion(String pdAddress) {
        try (PdClient pd = PdClient.connect(ClientConfig.of(List.of(pdAddress)))) {
            RegionInfo region = pd.getRegion(ByteString.EMPTY)
                    .orElseThrow(() -> new AssertionError("the scheduler knows no region"));
            assertThat(region.hasLeader()).as("region %s has a leader", region).isTrue();
            return region.leader().getStoreId();
        }
    }

    private static String summarize(List<Operation> operations) {
        long ok = operations.stream().filter(Operation::isOk).count();
        long failed = operations.stream().filter(Operation::isFailed).count();
        long info = operations.stream().filter(Operation::isInfo).count();
        return "outcomes: " + ok + " ok, " + failed + " failed, " + info + " info";
    }
}
