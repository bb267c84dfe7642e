package io.tinykv.server.txnfaults;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.client.ClientConfig;
import io.tinykv.client.Clock;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.security.ChannelFactory;
import io.tinykv.testkit.wait.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot isolation of the replicated cluster under faults: a scheduler and three stores in this
 * JVM, the bank and the list-append workloads running through {@link TxnKvClient} while stores and
 * the scheduler are closed and restarted. Each run is checked by the testkit's checkers (bank totals,
 * Elle's G0/G1a/G1b/G1c/G-single/lost update under strong snapshot isolation) and against a final
 * snapshot (every reported commit visible, no reported abort visible, unknown outcomes settled by
 * markers, final data exactly what the committed transactions made); see {@link TwoWorkloads}.
 *
 * <p>Sizes: {@code -Dtinykv.txnfaults.seed}, {@code .threads} (per workload), {@code .commitsPerPhase}
 * (transactions each workload must commit between two steps of a fault), {@code .leaderMoves}.
 */
class SnapshotIsolationUnderFaultsTest {

    private static final int LEADER_MOVES = Integer.getInteger("tinykv.txnfaults.leaderMoves", 2);
    /** Client budget: long enough to ride out an election, short enough that outages end transactions. */
    private static final long CLIENT_BACKOFF_BUDGET_MILLIS = 4_000;

    private static final long CLIENT_PD_TIMEOUT_MILLIS = 1_000;
    private static final long CLIENT_KV_TIMEOUT_MILLIS = 2_000;
    /** Locks of a transaction cut off by a fault block others this long at most. */
    private static final long LOCK_TTL_MILLIS = 1_500;
    /**
     * How long one phase of a run (e.g. "commits while a store is down") may take at most. A deadline,
     * not a wait: a loaded flake hunt (load average 30-40) saw the region's leader step down twice for
     * want of its followers' answers after the scheduler came back, and 12 commits took over 60 s.
     */
    private static final Duration PHASE_WAIT = Duration.ofSeconds(180);
    /** Transactions each workload must see end while the scheduler is down (they all need it). */
    private static final int FINISHED_DURING_SCHEDULER_OUTAGE = 2;
    /** Transactions each workload must see end while two of the three stores are down. */
    private static final int FINISHED_WITHOUT_QUORUM = 2;

    @TempDir
    Path dir;

    private FaultCluster cluster;
    private TxnKvClient client;
    private TwoWorkloads run;
    private String testName;

    @BeforeEach
    void startCluster(TestInfo info) throws Exception {
        testName = info.getDisplayName();
        cluster = FaultCluster.start(dir);
        ClientConfig config = cluster.clientConfig()
                .withTimeoutsMs(CLIENT_PD_TIMEOUT_MILLIS, CLIENT_KV_TIMEOUT_MILLIS)
                .withBackoffBudgetMs(CLIENT_BACKOFF_BUDGET_MILLIS);
        client = TxnKvClient.create(config, ChannelFactory.plaintext(), Clock.system(), LOCK_TTL_MILLIS);
        run = new TwoWorkloads(client, TwoWorkloads.Sizes.fromSystemProperties());
    }

    @AfterEach
    void stopCluster() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private void finish() throws InterruptedException {
        String summary = run.stopAndCheck(testName);
        System.out.println(summary);
    }

    @Test
    void leaderStoreClosedMidRunAndRestartedOnItsDataDir() throws Exception {
        run.start();
        run.awaitCommits("before the fault", PHASE_WAIT);

        int leader = cluster.leaderStoreIndex();
        cluster.stopStore(leader);
        run.awaitCommits("with the leader's store down", PHASE_WAIT);
        int newLeader = cluster.awaitLeaderElsewhere(leader, PHASE_WAIT);
        assertThat(newLeader).isNotEqualTo(leader);

        cluster.restartStore(leader);
        run.awaitCommits("after the store restarted", PHASE_WAIT);
        cluster.awaitFullReplication();

        finish();
    }

    @Test
    void leadershipMovesRepeatedlyDuringTheRun() throws Exception {
        run.start();
        run.awaitCommits("before the first move", PHASE_WAIT);

        Set<Integer> leaders = new HashSet<>();
        for (int move = 1; move <= LEADER_MOVES; move++) {
            int leader = cluster.leaderStoreIndex();
            leaders.add(leader);
            cluster.stopStore(leader);
            int next = cluster.awaitLeaderElsewhere(leader, PHASE_WAIT);
            leaders.add(next);
            // Bring the old leader's store straight back: it rejoins as a follower while clients
            // still hold routes to it and transactions of the old term may be half-committed.
            cluster.restartStore(leader);
            run.awaitCommits("after leadership move " + move, PHASE_WAIT);
        }
        assertThat(leaders).as("stores that led the region").hasSizeGreaterThan(1);
        cluster.awaitFullReplication();

        finish();
    }

    @Test
    void majorityOfStoresLostMidRunThenRestored() throws Exception {
        run.start();
        run.awaitCommits("before the fault", PHASE_WAIT);

        // The leader's store and one more: no quorum, so transactions caught in their commit run out
        // of budget: those caught after prewrite end unknown (the markers settle them afterwards).
        int leader = cluster.leaderStoreIndex();
        int other = (leader + 1) % FaultCluster.STORES;
        cluster.stopStore(leader);
        cluster.stopStore(other);
        run.awaitFinished("without a quorum", PHASE_WAIT, FINISHED_WITHOUT_QUORUM);

        cluster.restartStore(other);
        cluster.restartStore(leader);
        run.awaitCommits("after both stores restarted", PHASE_WAIT);
        cluster.awaitFullReplication();

        finish();
    }

    @Test
    void schedulerStoppedAndRestartedMidRunTransactionsFailCleanly() throws Exception {
        run.start();
        run.awaitCommits("before the fault", PHASE_WAIT);
        long lastTsBefore = timestamp();
        long beginFailuresBefore = run.beginFailures();

        cluster.stopScheduler();
        // Every transaction needs timestamps: some must end (fail or unknown) for want of them.
        run.awaitFinished("with the scheduler down", PHASE_WAIT, FINISHED_DURING_SCHEDULER_OUTAGE);
        Await.until(
                () -> run.beginFailures() > beginFailuresBefore,
                PHASE_WAIT,
                "a transaction fails to begin without the scheduler");

        cluster.restartScheduler();
        long firstTsAfter = awaitTimestamp();
        run.awaitCommits("after the scheduler restarted", PHASE_WAIT);
        assertThat(Long.compareUnsigned(firstTsAfter, lastTsBefore))
                .as("the restarted scheduler's timestamps (%d) lie above the old ones (%d)", firstTsAfter, lastTsBefore)
                .isPositive();

        finish();
    }

    private long timestamp() {
        try (Transaction txn = client.begin()) {
            return txn.startTs();
        }
    }

    /** The first timestamp the client gets, retried while it reconnects to the scheduler. */
    private long awaitTimestamp() {
        long[] ts = new long[1];
        Await.until(
                () -> {
                    try {
                        ts[0] = timestamp();
                        return true;
                    } catch (TinyKvException e) {
                        return false;
                    }
                },
                PHASE_WAIT,
                "the client gets a timestamp from the restarted scheduler");
        return ts[0];
    }
}
