package io.tinykv.raftstore.sim;

import static io.tinykv.raftstore.sim.Scenario.Fault.CONF_CHANGES;
import static io.tinykv.raftstore.sim.Scenario.Fault.CRASH;
import static io.tinykv.raftstore.sim.Scenario.Fault.LOSE_UNSYNCED_WRITES;
import static io.tinykv.raftstore.sim.Scenario.Fault.PARTITIONS;
import static io.tinykv.raftstore.sim.Scenario.Fault.RANDOM_CRASHES;
import static io.tinykv.raftstore.sim.Scenario.Fault.UNRELIABLE;
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

    private static int seeds() {
        return Integer.getInteger("tinykv.sim.seeds", DEFAULT_SEEDS);
    }

    private static void runScenario(Scenario scenario) {
        for (long seed = FIRST_SEED; seed < FIRST_SEED + seeds(); seed++) {
            Scenario.Outcome outcome = scenario.run(seed);
            String context = scenario.name() + " seed " + seed + ": " + String.join("; ", outcome.finalState());
            assertThat(outcome.converged())
                    .as(context + ": every store applied the leader's log")
                    .isTrue();
            assertThat(outcome.linearizability().ok())
                    .as(context + ": " + outcome.linearizability().message())
                    .isTrue();
            Map<String, String> reference =
                    outcome.dataByStore().values().iterator().next();
            outcome.dataByStore()
                    .forEach((store, data) -> assertThat(data)
                            .as(context + ": data of store " + store + " equals store 1's")
                            .isEqualTo(reference));
            assertThat(outcome.putsAcknowledged())
                    .as(context + ": some puts were acknowledged")
                    .isPositive();
            assertThat(outcome.getsAnswered())
                    .as(context + ": some gets were answered")
                    .isPositive();
            if (scenario.gcCountLimit() != Scenario.NO_GC) {
                outcome.logLengthByStore()
                        .forEach((store, length) -> assertThat(length)
                                .as(context + ": applied - truncated index on store " + store)
                                .isLessThanOrEqualTo(2 * scenario.gcCountLimit()));
            }
            System.out.printf(
                    "%s seed %d: %d puts, %d gets, %d messages dropped, %d snapshots, log lengths %s%n",
                    scenario.name(),
                    seed,
                    outcome.putsAcknowledged(),
                    outcome.getsAnswered(),
                    outcome.messagesDropped(),
                    outcome.snapshotsDelivered(),
                    outcome.logLengthByStore());
        }
    }

    @Test
    void basic() {
        runScenario(Scenario.named("Basic").build());
    }

    @Test
    void concurrent() {
        runScenario(Scenario.named("Concurrent").clients(5).build());
    }

    @Test
    void unreliable() {
        runScenario(Scenario.named("Unreliable").clients(5).faults(UNRELIABLE).build());
    }

    @Test
    void manyPartitionsManyClients() {
        runScenario(Scenario.named("ManyPartitionsManyClients")
                .clients(5)
                .faults(PARTITIONS)
                .build());
    }

    @Test
    void persistConcurrent() {
        runScenario(Scenario.named("PersistConcurrent").clients(5).faults(CRASH).build());
    }

    @Test
    void randomCrashesUnreliable() {
        runScenario(Scenario.named("RandomCrashesUnreliable")
                .clients(5)
                .faults(UNRELIABLE, RANDOM_CRASHES)
                .build());
    }

    private static final long GC_LIMIT = 100;
    /** Small enough that stores cut off by partitions or crashes fall behind the log. */
    private static final long SMALL_GC_LIMIT = 20;

    @Test
    void snapshotUnreliableRecover() {
        runScenario(Scenario.named("SnapshotUnreliableRecover")
                .clients(5)
                .faults(UNRELIABLE, CRASH)
                .gcCountLimit(GC_LIMIT)
                .build());
    }

    @Test
    void snapshotUnreliableRecoverConcurrentPartition() {
        runScenario(Scenario.named("SnapshotUnreliableRecoverConcurrentPartition")
                .clients(5)
                .faults(UNRELIABLE, CRASH, PARTITIONS, RANDOM_CRASHES)
                .gcCountLimit(SMALL_GC_LIMIT)
                .build());
    }

    @Test
    void confChangeUnreliable() {
        runScenario(Scenario.named("ConfChangeUnreliable")
                .clients(5)
                .faults(UNRELIABLE, CONF_CHANGES)
                .build());
    }

    @Test
    void confChangeSnapshotUnreliableRecoverPartition() {
        runScenario(Scenario.named("ConfChangeSnapshotUnreliableRecoverPartition")
                .clients(5)
                .faults(UNRELIABLE, CRASH, PARTITIONS, RANDOM_CRASHES, CONF_CHANGES)
                .gcCountLimit(SMALL_GC_LIMIT)
                .build());
    }

    /** Three stores: conf changes often leave two members, one of them not created yet. */
    @Test
    void confChangeThreeStoresAllFaults() {
        runScenario(Scenario.named("ConfChangeThreeStoresAllFaults")
                .stores(3)
                .clients(3)
                .faults(UNRELIABLE, CRASH, PARTITIONS, RANDOM_CRASHES, CONF_CHANGES)
                .gcCountLimit(SMALL_GC_LIMIT)
                .build());
    }

    /** The simulator is a pure function of the seed: a failing seed replays exactly. */
    @Test
    void aSeedReplaysExactly() {
        Scenario scenario = Scenario.named("Replay")
                .stores(3)
                .clients(3)
                .faults(UNRELIABLE, CRASH, PARTITIONS, RANDOM_CRASHES, CONF_CHANGES)
                .gcCountLimit(SMALL_GC_LIMIT)
                .iterations(2, 500)
                .build();
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
        runScenario(Scenario.named("SnapshotUnreliableRecoverPartitionLosingUnsyncedWrites")
                .clients(5)
                .faults(UNRELIABLE, CRASH, PARTITIONS, RANDOM_CRASHES, LOSE_UNSYNCED_WRITES)
                .gcCountLimit(SMALL_GC_LIMIT)
                .build());
    }

    @Test
    void persistPartitionUnreliable() {
        runScenario(Scenario.named("PersistPartitionUnreliable")
                .clients(5)
                .faults(UNRELIABLE, CRASH, PARTITIONS)
                .build());
    }

    // The rest of TinyKV's table (reference/tinykv-scenarios.md), by name.

    @Test
    void manyPartitionsOneClient() {
        runScenario(Scenario.named("ManyPartitionsOneClient").faults(PARTITIONS).build());
    }

    @Test
    void persistOneClient() {
        runScenario(Scenario.named("PersistOneClient").faults(CRASH).build());
    }

    @Test
    void persistConcurrentUnreliable() {
        runScenario(Scenario.named("PersistConcurrentUnreliable")
                .clients(5)
                .faults(UNRELIABLE, CRASH)
                .build());
    }

    @Test
    void persistPartition() {
        runScenario(Scenario.named("PersistPartition")
                .clients(5)
                .faults(CRASH, PARTITIONS)
                .build());
    }

    @Test
    void snapshotRecover() {
        runScenario(Scenario.named("SnapshotRecover")
                .faults(CRASH)
                .gcCountLimit(GC_LIMIT)
                .build());
    }

    @Test
    void snapshotRecoverManyClients() {
        runScenario(Scenario.named("SnapshotRecoverManyClients")
                .clients(20)
                .faults(CRASH)
                .gcCountLimit(GC_LIMIT)
                .build());
    }

    @Test
    void snapshotUnreliable() {
        runScenario(Scenario.named("SnapshotUnreliable")
                .clients(5)
                .faults(UNRELIABLE)
                .gcCountLimit(GC_LIMIT)
                .build());
    }
}
