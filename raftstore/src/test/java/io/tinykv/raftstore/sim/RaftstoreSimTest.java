package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TinyKV 2B's scenarios on the simulator. Each runs a few seeds by default; set
 * {@code -Dtinykv.sim.seeds=N} for N seeds each (a failing seed is printed and replays exactly).
 */
class RaftstoreSimTest {

    private static final int DEFAULT_SEEDS = 1;
    private static final long FIRST_SEED = Long.getLong("tinykv.sim.firstSeed", 1);
    private static final long ITERATION_MS = 1_000;
    private static final int ITERATIONS = 3;
    private static final int STORES = 5;

    private static int seeds() {
        return Integer.getInteger("tinykv.sim.seeds", DEFAULT_SEEDS);
    }

    private static void runScenario(Scenario scenario) {
        for (long seed = FIRST_SEED; seed < FIRST_SEED + seeds(); seed++) {
            Scenario.Outcome outcome = scenario.run(seed);
            String context = scenario.name() + " seed " + seed + ": " + String.join("; ", outcome.finalState());
            assertThat(outcome.converged()).as(context + ": every store applied the leader's log").isTrue();
            assertThat(outcome.linearizability().ok()).as(context + ": " + outcome.linearizability().message())
                    .isTrue();
            Map<String, String> reference = outcome.dataByStore().values().iterator().next();
            outcome.dataByStore().forEach((store, data) ->
                    assertThat(data).as(context + ": data of store " + store + " equals store 1's").isEqualTo(reference));
            assertThat(outcome.putsAcknowledged()).as(context + ": some puts were acknowledged").isPositive();
            assertThat(outcome.getsAnswered()).as(context + ": some gets were answered").isPositive();
            if (scenario.gcCountLimit() != Scenario.NO_GC) {
                outcome.logLengthByStore().forEach((store, length) -> assertThat(length)
                        .as(context + ": applied - truncated index on store " + store)
                        .isLessThanOrEqualTo(2 * scenario.gcCountLimit()));
            }
            System.out.printf("%s seed %d: %d puts, %d gets, %d messages dropped, %d snapshots, log lengths %s%n",
                    scenario.name(), seed, outcome.putsAcknowledged(), outcome.getsAnswered(),
                    outcome.messagesDropped(), outcome.snapshotsDelivered(), outcome.logLengthByStore());
        }
    }

    @Test
    void basic() {
        runScenario(new Scenario("Basic", STORES, 1, false, false, false, false, Scenario.NO_GC, false, ITERATIONS, ITERATION_MS));
    }

    @Test
    void concurrent() {
        runScenario(new Scenario("Concurrent", STORES, 5, false, false, false, false, Scenario.NO_GC, false, ITERATIONS, ITERATION_MS));
    }

    @Test
    void unreliable() {
        runScenario(new Scenario("Unreliable", STORES, 5, true, false, false, false, Scenario.NO_GC, false, ITERATIONS, ITERATION_MS));
    }

    @Test
    void manyPartitionsManyClients() {
        runScenario(new Scenario("ManyPartitionsManyClients", STORES, 5, false, false, true, false, Scenario.NO_GC, false, ITERATIONS, ITERATION_MS));
    }

    @Test
    void persistConcurrent() {
        runScenario(new Scenario("PersistConcurrent", STORES, 5, false, true, false, false, Scenario.NO_GC, false, ITERATIONS, ITERATION_MS));
    }

    @Test
    void randomCrashesUnreliable() {
        runScenario(new Scenario("RandomCrashesUnreliable", STORES, 5, true, false, false, true, Scenario.NO_GC, false, ITERATIONS, ITERATION_MS));
    }

    private static final long GC_LIMIT = 100;
    /** Small enough that stores cut off by partitions or crashes fall behind the log. */
    private static final long SMALL_GC_LIMIT = 20;

    @Test
    void snapshotUnreliableRecover() {
        runScenario(new Scenario("SnapshotUnreliableRecover", STORES, 5, true, true, false, false, GC_LIMIT, false,
                ITERATIONS, ITERATION_MS));
    }

    @Test
    void snapshotUnreliableRecoverConcurrentPartition() {
        runScenario(new Scenario("SnapshotUnreliableRecoverConcurrentPartition", STORES, 5, true, true, true, true,
                SMALL_GC_LIMIT, false, ITERATIONS, ITERATION_MS));
    }

    @Test
    void confChangeUnreliable() {
        runScenario(new Scenario("ConfChangeUnreliable", STORES, 5, true, false, false, false, Scenario.NO_GC, true,
                ITERATIONS, ITERATION_MS));
    }

    @Test
    void confChangeSnapshotUnreliableRecoverPartition() {
        runScenario(new Scenario("ConfChangeSnapshotUnreliableRecoverPartition", STORES, 5, true, true, true, true,
                SMALL_GC_LIMIT, true, ITERATIONS, ITERATION_MS));
    }

    /** Three stores: conf changes often leave two members, one of them not created yet. */
    @Test
    void confChangeThreeStoresAllFaults() {
        runScenario(new Scenario("ConfChangeThreeStoresAllFaults", 3, 3, true, true, true, true, SMALL_GC_LIMIT, true,
                ITERATIONS, ITERATION_MS));
    }

    /** The simulator is a pure function of the seed: a failing seed replays exactly. */
    @Test
    void aSeedReplaysExactly() {
        Scenario scenario = new Scenario("Replay", 3, 3, true, true, true, true, SMALL_GC_LIMIT, true, 2,
                ITERATION_MS / 2);
        Scenario.Outcome first = scenario.run(FIRST_SEED);
        Scenario.Outcome second = scenario.run(FIRST_SEED);
        assertThat(first.converged()).as(String.join("; ", first.finalState())).isTrue();
        assertThat(second.putsAcknowledged()).isEqualTo(first.putsAcknowledged());
        assertThat(second.getsAnswered()).isEqualTo(first.getsAnswered());
        assertThat(second.messagesDropped()).isEqualTo(first.messagesDropped());
        assertThat(second.finalState()).isEqualTo(first.finalState());
        assertThat(second.dataByStore()).isEqualTo(first.dataByStore());
    }

    /** Crashes lose the kv engine's unsynced applies: stores re-apply them from their logs. */
    @Test
    void snapshotUnreliableRecoverPartitionLosingUnsyncedWrites() {
        runScenario(new Scenario("SnapshotUnreliableRecoverPartitionLosingUnsyncedWrites", STORES, 5, true, true, true,
                true, SMALL_GC_LIMIT, false, ITERATIONS, ITERATION_MS, true));
    }

    @Test
    void persistPartitionUnreliable() {
        runScenario(new Scenario("PersistPartitionUnreliable", STORES, 5, true, true, true, false, Scenario.NO_GC, false, ITERATIONS, ITERATION_MS));
    }

    // The rest of TinyKV's table (reference/tinykv-scenarios.md), by name.

    @Test
    void manyPartitionsOneClient() {
        runScenario(new Scenario("ManyPartitionsOneClient", STORES, 1, false, false, true, false, Scenario.NO_GC, false,
                ITERATIONS, ITERATION_MS));
    }

    @Test
    void persistOneClient() {
        runScenario(new Scenario("PersistOneClient", STORES, 1, false, true, false, false, Scenario.NO_GC, false,
                ITERATIONS, ITERATION_MS));
    }

    @Test
    void persistConcurrentUnreliable() {
        runScenario(new Scenario("PersistConcurrentUnreliable", STORES, 5, true, true, false, false, Scenario.NO_GC,
                false, ITERATIONS, ITERATION_MS));
    }

    @Test
    void persistPartition() {
        runScenario(new Scenario("PersistPartition", STORES, 5, false, true, true, false, Scenario.NO_GC, false,
                ITERATIONS, ITERATION_MS));
    }

    @Test
    void snapshotRecover() {
        runScenario(new Scenario("SnapshotRecover", STORES, 1, false, true, false, false, GC_LIMIT, false,
                ITERATIONS, ITERATION_MS));
    }

    @Test
    void snapshotRecoverManyClients() {
        runScenario(new Scenario("SnapshotRecoverManyClients", STORES, 20, false, true, false, false, GC_LIMIT, false,
                ITERATIONS, ITERATION_MS));
    }

    @Test
    void snapshotUnreliable() {
        runScenario(new Scenario("SnapshotUnreliable", STORES, 5, true, false, false, false, GC_LIMIT, false,
                ITERATIONS, ITERATION_MS));
    }
}
