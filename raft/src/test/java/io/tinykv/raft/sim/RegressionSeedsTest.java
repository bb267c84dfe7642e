package io.tinykv.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Seeds that once failed, each replayed on its own so that a fixed bug stays fixed even if the bulk
 * seed range or the run's length changes. Add a seed here when a bug it found is fixed.
 *
 * <p>A seed replays the schedule {@link RandomRun} draws today; a change to that schedule (a new kind
 * of event, a different probability) changes what an old seed does. So each bug found here also gets
 * a deterministic test: an interaction script or a unit test, named next to its seeds.
 */
class RegressionSeedsTest {
    /** A failing seed and the fault-phase length it failed with, and what it found. */
    private record Regression(long seed, int faultTicks, String found) {}

    private static final List<Regression> REGRESSIONS = List.of(
            // RawNode.advance did not mark an installed snapshot as applied; a node caught up by snapshot
            // then threw CompactedException looking for unapplied conf changes below its first index.
            // Found before read-index requests joined the schedule; pinned by the script
            // interaction/12-snapshot-counts-as-applied.txt.
            new Regression(6, RandomRun.DEFAULT_FAULT_TICKS, "snapshot not marked applied on advance"),
            new Regression(70, RandomRun.DEFAULT_FAULT_TICKS, "snapshot not marked applied on advance"),
            new Regression(132, RandomRun.DEFAULT_FAULT_TICKS, "snapshot not marked applied on advance"));

    @TestFactory
    Stream<DynamicTest> formerlyFailingSeedsPass() {
        return REGRESSIONS.stream()
                .map(r -> DynamicTest.dynamicTest("seed " + r.seed() + ": " + r.found(), () -> {
                    RunStats stats = RandomRun.run(r.seed(), r.faultTicks(), SimCluster.Trace.OFF);
                    assertThat(stats.seed()).isEqualTo(r.seed());
                    assertThat(stats.committedIndex())
                            .as("the run made progress")
                            .isGreaterThan(Bootstrap.DEFAULT_INDEX);
                }));
    }
}
