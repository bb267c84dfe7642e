package io.tinykv.raft.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Thousands of seeded {@link RandomRun}s over 3- and 5-node clusters. Defaults keep the module's
 * test run short; system properties widen it:
 *
 * <ul>
 *   <li>{@code -Draft.sim.seeds=200000} more seeds (or {@code -Psoak});
 *   <li>{@code -Draft.sim.firstSeed=N} where to start;
 *   <li>{@code -Draft.sim.faultTicks=T} longer fault phases;
 *   <li>{@code -Draft.sim.seed=N} replay one seed and write its trace under target/.
 * </ul>
 */
class SimRandomTest {
    static final int DEFAULT_SEEDS = 10_000;
    private static final int MAX_REPORTED_FAILURES = 10;

    @Test
    void randomSeedsKeepRaftSafeAndLive() throws IOException {
        String single = System.getProperty("raft.sim.seed");
        int faultTicks = Integer.getInteger("raft.sim.faultTicks", RandomRun.DEFAULT_FAULT_TICKS);
        if (single != null) {
            replay(Long.parseLong(single.trim()), faultTicks);
            return;
        }
        long first = Long.getLong("raft.sim.firstSeed", 1);
        int count = Integer.getInteger("raft.sim.seeds", DEFAULT_SEEDS);
        ConcurrentLinkedQueue<RunStats> done = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
        LongAdder cpuNanos = new LongAdder();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        // Seeds are independent, so two workers halve the wall time on the 2-core test machines.
        LongStream.range(first, first + count).parallel().forEach(seed -> {
            long cpuBefore = threads.getCurrentThreadCpuTime();
            try {
                done.add(RandomRun.run(seed, faultTicks, SimCluster.Trace.OFF));
            } catch (Throwable t) {
                failures.add(new Failure(seed, failureReport(seed, faultTicks, t)));
            } finally {
                cpuNanos.add(threads.getCurrentThreadCpuTime() - cpuBefore);
            }
        });
        IntSummaryStatistics recovery =
                done.stream().mapToInt(RunStats::ticksToRecover).summaryStatistics();
        long slowestSeed = done.stream()
                .max(Comparator.comparingInt(RunStats::ticksToRecover))
                .map(RunStats::seed)
                .orElse(-1L);
        // Goes to target/surefire-reports/*-output.txt: the cost per seed and how close runs come to the bound.
        System.out.printf(
                "%d seeds from %d with %d fault ticks, %d failed; cpu %.2f ms/seed; ticks to recover after "
                        + "healing: mean %.1f, max %d at seed %d (bound %d)%n",
                count,
                first,
                faultTicks,
                failures.size(),
                cpuNanos.sum() / 1e6 / count,
                recovery.getAverage(),
                recovery.getMax(),
                slowestSeed,
                RandomRun.LIVENESS_BOUND_TICKS);
        System.out.printf(
                "exercised: %d crashes, %d partitions, %d snapshots installed, %d conf changes applied, "
                        + "%d transfers, %d reads answered%n",
                done.stream().mapToInt(RunStats::crashes).sum(),
                done.stream().mapToInt(RunStats::partitions).sum(),
                done.stream().mapToInt(RunStats::snapshotsInstalled).sum(),
                done.stream().mapToInt(RunStats::confChangesApplied).sum(),
                done.stream().mapToInt(RunStats::leaderTransfersRequested).sum(),
                done.stream().mapToInt(RunStats::readsAnswered).sum());
        if (!failures.isEmpty()) {
            List<Failure> sorted = new ArrayList<>(failures);
            sorted.sort(Comparator.comparingLong(Failure::seed));
            fail(failures.size() + " of " + count + " seeds failed; the first ones:\n"
                    + sorted.stream()
                            .limit(MAX_REPORTED_FAILURES)
                            .map(Failure::report)
                            .collect(Collectors.joining("\n")));
        }
        assertThat(done).hasSize(count);
        assertExercised(done);
    }

    private record Failure(long seed, String report) {}

    /** The runs must actually have committed entries and hit every kind of fault, or they prove nothing. */
    private static void assertExercised(ConcurrentLinkedQueue<RunStats> runs) {
        long withCommits = runs.stream().filter(r -> r.committedIndex() > 5).count();
        assertThat(withCommits).as("runs that committed entries").isGreaterThan(runs.size() / 2);
        if (runs.size() >= 1000) {
            assertThat(runs.stream().mapToInt(RunStats::crashes).sum())
                    .as("crashes")
                    .isPositive();
            assertThat(runs.stream().mapToInt(RunStats::partitions).sum())
                    .as("partitions")
                    .isPositive();
            assertThat(runs.stream().mapToInt(RunStats::snapshotsInstalled).sum())
                    .as("snapshots installed")
                    .isPositive();
            assertThat(runs.stream().mapToInt(RunStats::confChangesApplied).sum())
                    .as("conf changes applied")
                    .isPositive();
            assertThat(runs.stream()
                            .mapToInt(RunStats::leaderTransfersRequested)
                            .sum())
                    .as("transfers")
                    .isPositive();
            assertThat(runs.stream().mapToInt(RunStats::readsAnswered).sum())
                    .as("reads answered")
                    .isPositive();
            assertThat(runs.stream().filter(r -> r.initialVoters() == 5).count())
                    .as("5-node runs")
                    .isPositive();
            assertThat(runs.stream().filter(r -> r.initialVoters() == 3).count())
                    .as("3-node runs")
                    .isPositive();
        }
    }

    static String failureReport(long seed, int faultTicks, Throwable t) {
        return String.format("seed %d: %s%n  replay: %s", seed, t, replayCommand(seed, faultTicks));
    }

    static String replayCommand(long seed, int faultTicks) {
        String ticks = faultTicks == RandomRun.DEFAULT_FAULT_TICKS ? "" : " -Draft.sim.faultTicks=" + faultTicks;
        return "mvn -B -q -pl raft -am test -Dtest=SimRandomTest -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Draft.sim.seed=" + seed + ticks;
    }

    private static void replay(long seed, int faultTicks) throws IOException {
        List<String> lines = new ArrayList<>();
        Path traceFile = Path.of("target", "raft-sim-seed-" + seed + ".trace");
        try {
            RunStats stats = RandomRun.run(seed, faultTicks, lines::add);
            lines.add("passed: " + stats);
            assertThat(stats.seed()).isEqualTo(seed);
        } catch (Throwable t) {
            lines.add("FAILED: " + t);
            throw new AssertionError("seed " + seed + " failed; trace in " + traceFile.toAbsolutePath(), t);
        } finally {
            Files.createDirectories(traceFile.getParent());
            Files.write(traceFile, lines);
        }
    }
}
