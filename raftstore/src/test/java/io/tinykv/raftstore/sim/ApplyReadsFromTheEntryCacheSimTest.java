package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.raftstore.RaftStoreStats;
import io.tinykv.raftstore.RaftstoreConfig;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: apply must not read the committed entries back from the raft engine they were just
 * written to. Each store counts the entries it reads from the raft engine ({@link
 * RaftStoreStats.Snapshot#entriesReadFromEngine}); with the entry cache on, writes through three
 * replicas are applied without reading their entries back (the few reads left serve a follower's
 * retries), and with it off (the behaviour before
 * the cache) every applied entry is read back at least once. The count is load-independent, so
 * the same test is the before/after measurement (printed).
 */
class ApplyReadsFromTheEntryCacheSimTest {

    private static final long SEED = 14;
    private static final int STORES = 3;
    private static final int PUTS = 60;
    private static final long TIMEOUT_MS = 20_000;
    /** Well below one read per entry: apply reads none; only retries to a lagging follower do. */
    private static final double MAX_READS_PER_APPLIED_ENTRY_WITH_CACHE = 0.1;

    @Test
    void writesAreAppliedWithoutReadingTheirEntriesBackFromTheEngine() {
        RaftStoreStats.Snapshot cached = run(SimCluster.defaultConfig());
        RaftStoreStats.Snapshot uncached = run(SimCluster.defaultConfig().withEntryCacheMaxBytes(0));
        System.out.printf(
                "engine reads per applied entry: cache off %.2f (%d reads / %d applied),"
                        + " cache on %.2f (%d / %d)%n",
                uncached.engineReadsPerAppliedEntry(),
                uncached.entriesReadFromEngine(),
                uncached.entriesApplied(),
                cached.engineReadsPerAppliedEntry(),
                cached.entriesReadFromEngine(),
                cached.entriesApplied());
        assertThat(cached.entriesApplied())
                .as("entries applied on the three stores")
                .isGreaterThanOrEqualTo((long) PUTS * STORES);
        assertThat(uncached.engineReadsPerAppliedEntry())
                .as("without the cache apply reads every entry back")
                .isGreaterThanOrEqualTo(1.0);
        // What is left are a leader's retries after a follower refused an append (the simulated
        // network reorders messages): those entries were applied already, and come from the engine.
        assertThat(cached.engineReadsPerAppliedEntry())
                .as("entries read back per applied entry, cache on")
                .isLessThan(MAX_READS_PER_APPLIED_ENTRY_WITH_CACHE);
    }

    /** The three stores' counters over {@link #PUTS} writes, from the first election on. */
    private static RaftStoreStats.Snapshot run(RaftstoreConfig config) {
        try (SimCluster cluster = new SimCluster(STORES, SEED, config)) {
            cluster.start();
            cluster.awaitLeader(TIMEOUT_MS);
            // The first election's no-op is in; from here on every entry is a write.
            assertThat(cluster.awaitConverged(TIMEOUT_MS)).isTrue();
            RaftStoreStats.Snapshot before = total(cluster);
            SimCommands commands = new SimCommands(cluster);
            for (int i = 0; i < PUTS; i++) {
                commands.onLeader(SimCommands.put("k" + (i % 5), "v" + i), TIMEOUT_MS);
            }
            assertThat(cluster.awaitConverged(TIMEOUT_MS))
                    .as(String.join("; ", cluster.describeStores()))
                    .isTrue();
            return total(cluster).minus(before);
        }
    }

    private static RaftStoreStats.Snapshot total(SimCluster cluster) {
        RaftStoreStats.Snapshot sum = RaftStoreStats.Snapshot.ZERO;
        for (long storeId : cluster.storeIds()) {
            sum = sum.plus(cluster.store(storeId).raftStore().stats().snapshot());
        }
        return sum;
    }
}
